// Keeps the price matrix live over /ws: patches only the cells whose quote changed.
const table = document.getElementById("price-matrix");
const statusEl = document.getElementById("live-status");
const STALE_MS = 5000;

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function rowFor(instrument) {
  const body = table.tBodies[0];
  let row = body.querySelector(`tr[data-instrument="${CSS.escape(instrument)}"]`);
  if (row) return row;
  body.querySelector("tr.empty")?.remove();
  row = document.createElement("tr");
  row.dataset.instrument = instrument;
  const head = document.createElement("th");
  head.textContent = instrument;
  row.appendChild(head);
  for (const exchange of table.dataset.exchanges.split(",")) {
    const cell = document.createElement("td");
    cell.dataset.exchange = exchange;
    row.appendChild(cell);
  }
  // Keep rows in instrument order so the eye finds them where it left them.
  const after = [...body.rows].find((r) => r.dataset.instrument > instrument);
  body.insertBefore(row, after || null);
  return row;
}

function cellFor(row, exchange) {
  let cell = row.querySelector(`td[data-exchange="${CSS.escape(exchange)}"]`);
  if (!cell) {
    cell = document.createElement("td");
    cell.dataset.exchange = exchange;
    row.appendChild(cell);
  }
  return cell;
}

function applyQuote(q) {
  const row = rowFor(q.instrument);
  const cell = cellFor(row, q.exchange);
  cell.dataset.ts = q.ts_ms;
  cell.classList.remove("stale");
  cell.innerHTML = "";
  const bid = document.createElement("span");
  bid.className = "bid";
  bid.textContent = q.bid;
  const ask = document.createElement("span");
  ask.className = "ask";
  ask.textContent = q.ask;
  cell.append(bid, ask);
  cell.classList.remove("flash");
  void cell.offsetWidth; // restart the flash animation
  cell.classList.add("flash");
}

function markStale() {
  const now = Date.now();
  for (const cell of table.querySelectorAll("td[data-ts]")) {
    cell.classList.toggle("stale", now - Number(cell.dataset.ts) > STALE_MS);
  }
}

let retryMs = 500;
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    retryMs = 500;
    setStatus("live", "live");
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "price_update" || message.type === "snapshot") {
      message.data.forEach(applyQuote);
    }
  };
  socket.onclose = (event) => {
    if (event.code === 4401) {
      setStatus("down", "logged out");
      location.reload();
      return;
    }
    setStatus("down", "reconnecting…");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  };
}

connect();
setInterval(markStale, 1000);
