// The price matrix: patch only the cells whose quote changed; mark each row's best bid and ask.
import { formatAge } from "./feed.js";

const STALE_MS = 5000;

export function priceMatrix(table) {
const exchanges = table.dataset.exchanges.split(",");

function rowFor(instrument) {
  const body = table.tBodies[0];
  let row = body.querySelector(`tr[data-instrument="${CSS.escape(instrument)}"]`);
  if (row) return row;
  body.querySelector("tr.empty")?.remove();
  row = document.createElement("tr");
  row.dataset.instrument = instrument;
  row.innerHTML = `<th><a></a></th><td class="spread"></td>`;
  const link = row.querySelector("a");
  link.href = `/instruments/${instrument}/`;
  link.textContent = instrument;
  for (const exchange of exchanges) {
    const cell = document.createElement("td");
    cell.dataset.exchange = exchange;
    row.appendChild(cell);
  }
  const after = [...body.rows].find((r) => !r.dataset.watched && r.dataset.instrument > instrument);
  body.insertBefore(row, after || null);
  return row;
}

function rankRow(row) {
  const now = Date.now();
  const cells = [...row.querySelectorAll("td[data-bid]")].filter((c) => now - Number(c.dataset.recv) <= STALE_MS);
  row.querySelectorAll(".best-bid, .best-ask").forEach((c) => c.classList.remove("best-bid", "best-ask"));
  if (!cells.length) return;
  const bestBid = cells.reduce((a, b) => (Number(b.dataset.bid) > Number(a.dataset.bid) ? b : a));
  const bestAsk = cells.reduce((a, b) => (Number(b.dataset.ask) < Number(a.dataset.ask) ? b : a));
  bestBid.classList.add("best-bid");
  bestAsk.classList.add("best-ask");
  const spread = row.querySelector("td.spread");
  if (spread && cells.length > 1) {
    const bid = Number(bestBid.dataset.bid), ask = Number(bestAsk.dataset.ask);
    spread.textContent = (((bid - ask) / ask) * 100).toFixed(4);
    spread.classList.toggle("positive", bid > ask);
  }
}

function applyQuote(q) {
  const row = rowFor(q.instrument);
  let cell = row.querySelector(`td[data-exchange="${CSS.escape(q.exchange)}"]`);
  if (!cell) return; // an exchange this page was not rendered with
  cell.dataset.recv = q.recv_ms;
  cell.dataset.bid = q.bid;
  cell.dataset.ask = q.ask;
  cell.classList.remove("stale");
  cell.innerHTML = `<span class="bid"></span><span class="ask"></span><span class="age"></span>`;
  cell.querySelector(".bid").textContent = q.bid;
  cell.querySelector(".ask").textContent = q.ask;
  cell.classList.remove("flash");
  void cell.offsetWidth; // restart the flash animation
  cell.classList.add("flash");
}

function applyQuotes(quotes) {
  const touched = new Set();
  for (const q of quotes) {
    applyQuote(q);
    touched.add(rowFor(q.instrument));
  }
  touched.forEach(rankRow);
}

function tickAges() {
  const now = Date.now();
  for (const cell of table.querySelectorAll("td[data-recv]")) {
    const age = now - Number(cell.dataset.recv);
    cell.classList.toggle("stale", age > STALE_MS);
    const ageEl = cell.querySelector(".age");
    if (ageEl) ageEl.textContent = formatAge(Math.max(0, age));
  }
}

// Filter and sort, client-side: the table is already all here.
const filterInput = document.getElementById("matrix-filter");
const sortSelect = document.getElementById("matrix-sort");
function applyFilter() {
  const needle = (filterInput?.value || "").trim().toUpperCase();
  for (const row of table.tBodies[0].rows) {
    if (!row.dataset.instrument) continue;
    row.hidden = needle !== "" && !row.dataset.instrument.toUpperCase().includes(needle);
  }
}
function applySort() {
  const by = sortSelect?.value || "watched";
  const body = table.tBodies[0];
  const rows = [...body.rows].filter((r) => r.dataset.instrument);
  const spread = (r) => Number(r.querySelector("td.spread")?.textContent || -Infinity);
  rows.sort((a, b) => {
    if (by === "spread") return spread(b) - spread(a);
    if (by === "watched" && !!a.dataset.watched !== !!b.dataset.watched) return a.dataset.watched ? -1 : 1;
    return a.dataset.instrument.localeCompare(b.dataset.instrument);
  });
  rows.forEach((r) => body.appendChild(r));
}
filterInput?.addEventListener("input", applyFilter);
sortSelect?.addEventListener("change", applySort);

table.querySelectorAll("tbody tr[data-instrument]").forEach(rankRow);
tickAges();
setInterval(tickAges, 1000);
return {
  instruments: (table.dataset.instruments || "").split(",").filter(Boolean),
  applyQuotes(quotes) {
    applyQuotes(quotes);
    applyFilter();
  },
};
}
