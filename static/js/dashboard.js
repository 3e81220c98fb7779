// The dashboard: the price matrix, live.
import { connectFeed } from "./feed.js";
import { priceMatrix } from "./matrix.js";
import { instrumentSearch } from "./matrix_search.js";

const matrix = priceMatrix(document.getElementById("price-matrix"));
// Its rows' quotes only (data-instruments: the user's watched instruments and the majors); it
// shows no opportunity.
const feed = connectFeed({
  instruments: matrix.instruments,
  opportunities: "none",
  onSnapshot: (snapshot) => matrix.replace(snapshot.data),
  onQuotes: matrix.update,
  // A subscription the server refused (past its instruments per connection): the search says so.
  onError: (text) => search.refused(text),
});
matrix.onFreshness(feed.setFresh);
// The filter finds any quoted instrument, beyond these rows: their quotes are added to the
// subscription while they are shown.
const search = instrumentSearch({
  input: document.getElementById("matrix-filter"),
  status: document.getElementById("matrix-search-status"),
  matrix,
  feed,
});
