// The opportunities table: rows appear, update in place, and fade out when they close.
import { connectFeed, formatAge } from "./feed.js";

export function opportunityTable(table) {
  const minNet = table.dataset.minNet === "" || table.dataset.minNet === undefined ? null : Number(table.dataset.minNet);
  const exchanges = (table.dataset.exchanges || "").split(",").filter(Boolean);
  const instruments = (table.dataset.instruments || "").split(",").filter(Boolean);
  const body = table.tBodies[0];

  const matches = (o) =>
    (minNet === null || Number(o.net_spread_pct) >= minNet) &&
    (!exchanges.length || exchanges.includes(o.buy_exchange) || exchanges.includes(o.sell_exchange)) &&
    (!instruments.length || instruments.includes(o.buy_instrument) || instruments.includes(o.sell_instrument));

  function render(row, o) {
    row.dataset.id = o.id;
    row.dataset.net = o.net_spread_pct;
    row.dataset.opened = o.opened_ms;
    row.dataset.buyExchange = o.buy_exchange;
    row.dataset.sellExchange = o.sell_exchange;
    row.dataset.buyInstrument = o.buy_instrument;
    row.dataset.sellInstrument = o.sell_instrument;
    row.innerHTML = `<th><a></a></th><td></td><td></td><td></td><td class="net"></td><td></td><td></td><td class="open-for"></td>`;
    const cells = row.children;
    const link = cells[0].querySelector("a");
    link.href = `/instruments/${o.buy_instrument}/`;
    link.textContent = o.buy_instrument;
    if (o.sell_instrument !== o.buy_instrument) link.after(` → ${o.sell_instrument}`);
    if (o.basis_risk) cells[0].insertAdjacentHTML("beforeend", ' <span class="tag" title="The legs are quoted in different currencies">basis risk</span>');
    cells[1].innerHTML = `${o.buy_exchange} <span class="ask"></span>`;
    cells[1].querySelector(".ask").textContent = o.buy_price;
    cells[2].innerHTML = `${o.sell_exchange} <span class="bid"></span>`;
    cells[2].querySelector(".bid").textContent = o.sell_price;
    cells[3].textContent = o.gross_spread_pct;
    cells[4].textContent = o.net_spread_pct;
    cells[5].textContent = o.size_base;
    cells[6].textContent = o.profit_quote;
  }

  function place(row) {
    const net = Number(row.dataset.net);
    const after = [...body.rows].find((r) => r !== row && r.dataset.id && !r.classList.contains("closing") && Number(r.dataset.net) < net);
    if (row.nextSibling !== after) body.insertBefore(row, after || null);
  }

  function onOpportunities(list) {
    for (const o of list) {
      let row = body.querySelector(`tr[data-id="${CSS.escape(o.id)}"]`);
      if (!matches(o)) {
        row?.remove();
        continue;
      }
      body.querySelector("tr.empty")?.remove();
      if (!row) {
        row = document.createElement("tr");
        row.classList.add("opening");
      }
      render(row, o);
      place(row);
    }
  }

  function onClosed(list) {
    for (const c of list) {
      const row = body.querySelector(`tr[data-id="${CSS.escape(c.id)}"]`);
      if (!row) continue;
      row.classList.add("closing"); // fades out rather than jumping
      row.addEventListener("transitionend", () => row.remove(), { once: true });
      setTimeout(() => row.remove(), 1500); // in case no transition runs (hidden tab)
    }
  }

  // A snapshot: these are all the open ones; rows it does not hold go at once.
  function replace(list) {
    const open = new Set(list.map((o) => String(o.id)));
    for (const row of body.querySelectorAll("tr[data-id]")) if (!open.has(row.dataset.id)) row.remove();
    onOpportunities(list);
  }

  function tick() {
    const now = Date.now();
    for (const row of body.querySelectorAll("tr[data-opened]")) {
      row.querySelector(".open-for").textContent = formatAge(Math.max(0, now - Number(row.dataset.opened)));
    }
  }
  setInterval(tick, 1000);
  tick();
  return { onOpportunities, onClosed, replace };
}

const page = document.getElementById("opportunity-table");
if (page) {
  let handlers = opportunityTable(page.querySelector("table"));
  // A new filter swaps the table in; point the live updates at the new one.
  document.body.addEventListener("htmx:afterSwap", () => {
    handlers = opportunityTable(document.querySelector("#opportunity-table table"));
  });
  connectFeed({
    onSnapshot: (snapshot) => handlers.replace(snapshot.opportunities),
    onOpportunities: (list) => handlers.onOpportunities(list),
    onClosed: (list) => handlers.onClosed(list),
  });
}
