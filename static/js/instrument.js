// The instrument page: its quotes and its opportunities, live, over one subscription.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";
import { opportunityTable } from "./opportunities.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
const opportunities = opportunityTable(document.querySelector("table.opportunities"));
connectFeed({
  instruments: matrix.instruments,
  onSnapshot: (message) => {
    matrix.applyQuotes(message.data);
    opportunities.onOpportunities(message.opportunities);
  },
  onQuotes: matrix.applyQuotes,
  onOpportunities: opportunities.onOpportunities,
  onClosed: opportunities.onClosed,
});
