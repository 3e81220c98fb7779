// The instrument page: its quotes and its opportunities, live, over one subscription.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";
import { opportunityTable } from "./opportunities.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
const opportunities = opportunityTable(document.querySelector("table.opportunities"));
const feed = connectFeed({
  instruments: matrix.instruments,
  onSnapshot: (snapshot) => {
    matrix.replace(snapshot.data);
    opportunities.replace(snapshot.opportunities);
  },
  onQuotes: matrix.update,
  onOpportunities: opportunities.onOpportunities,
  onClosed: opportunities.onClosed,
});
matrix.onFreshness(feed.setFresh);
