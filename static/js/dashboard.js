// The dashboard: the price matrix, live.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
const feed = connectFeed({
  instruments: matrix.instruments,
  onSnapshot: (snapshot) => matrix.replace(snapshot.data),
  onQuotes: matrix.update,
});
matrix.onFreshness(feed.setFresh);
