// The dashboard: the price matrix, live.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
// Its rows' quotes only (data-instruments: the user's watched instruments and the majors); it
// shows no opportunity.
const feed = connectFeed({
  instruments: matrix.instruments,
  opportunities: "none",
  onSnapshot: (snapshot) => matrix.replace(snapshot.data),
  onQuotes: matrix.update,
});
matrix.onFreshness(feed.setFresh);
