// The dashboard: the price matrix, live.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
connectFeed({
  instruments: matrix.instruments,
  onSnapshot: (message) => matrix.applyQuotes(message.data),
  onQuotes: matrix.applyQuotes,
});
