// The opportunities table, one <tbody> per market event (the opportunity's `group`, a coin and
// quote family): a head row with the group's best pair, then its pairs, shown when expanded.
// Pairs appear, update in place and fade out when they close; a snapshot replaces them all.
// A heading sorts groups (and the pairs in each) by its column; the filters narrow live rows
// as the server narrowed the first ones.
import "./paper_ticket.js";
import { connectFeed } from "./feed.js";
import { coinOfGroup, formatBps, formatDuration, formatMoney, formatPct, formatPrice, formatSize, groupDecimals, groupSizeDecimals, quoteCurrency } from "./format.js";
import { foldOnPhone } from "./filters_box.js";
import { executable } from "./read_model.js";

const SORT_KEYS = {
  group: (o) => o.group,
  buy: (o) => o.buy_exchange,
  sell: (o) => o.sell_exchange,
  gross: (o) => Number(o.gross_spread_pct),
  net: (o) => Number(o.net_spread_pct),
  size: (o) => Number(executable(o).sizeBase),
  profit: (o) => Number(executable(o).profitQuote),
  open: (o) => -Number(o.opened_ms), // longest open first when descending
};

function optionalNumber(text) {
  return text === "" || text === undefined ? null : Number(text);
}

function list(text) {
  return (text || "").split(",").filter(Boolean);
}

export function opportunityTable(table) {
  const filters = {
    minNet: optionalNumber(table.dataset.minNet),
    minProfit: optionalNumber(table.dataset.minProfit),
    minSize: optionalNumber(table.dataset.minSize),
    exchanges: list(table.dataset.exchanges),
    instruments: list(table.dataset.instruments),
  };
  const placeholder = table.querySelector("tbody.placeholder");
  const groups = new Map(); // group -> {name, tbody, head, pairs: Map(id -> {o, tr, closing})}
  const expanded = new Set([...table.querySelectorAll("tbody.group .expand[aria-expanded=true]")].map((b) => b.closest("tbody").dataset.group));
  let sort = { key: "net", descending: true };
  let frameRequested = false;
  const dirty = new Set();

  const matches = (o) =>
    (filters.minNet === null || Number(o.net_spread_pct) >= filters.minNet) &&
    (filters.minProfit === null || Number(executable(o).profitQuote) >= filters.minProfit) &&
    (filters.minSize === null || Number(executable(o).sizeBase) >= filters.minSize) &&
    (!filters.exchanges.length || filters.exchanges.includes(o.buy_exchange) || filters.exchanges.includes(o.sell_exchange)) &&
    (!filters.instruments.length || filters.instruments.includes(o.buy_instrument) || filters.instruments.includes(o.sell_instrument));

  function compare(a, b) {
    const key = SORT_KEYS[sort.key];
    const [x, y] = [key(a), key(b)];
    const order = x < y ? -1 : x > y ? 1 : 0;
    return sort.descending ? -order : order;
  }

  function groupOf(name) {
    let group = groups.get(name);
    if (!group) {
      const tbody = document.createElement("tbody");
      tbody.className = "group";
      tbody.dataset.group = name;
      const head = document.createElement("tr");
      head.className = "group-head";
      tbody.append(head);
      group = { name, tbody, head, pairs: new Map() };
      groups.set(name, group);
    }
    return group;
  }

  function cells(tr, o, isHead, group) {
    tr.dataset.id = o.id;
    tr.dataset.net = o.net_spread_pct;
    tr.dataset.opened = isHead ? Math.min(...[...group.pairs.values()].filter((p) => !p.closing).map((p) => Number(p.o.opened_ms))) : o.opened_ms;
    tr.dataset.buyExchange = o.buy_exchange;
    tr.dataset.sellExchange = o.sell_exchange;
    tr.dataset.buyInstrument = o.buy_instrument;
    tr.dataset.sellInstrument = o.sell_instrument;
    tr.dataset.size = executable(o).sizeBase; // the paper ticket's size if the opportunity closes meanwhile
    tr.innerHTML = `<th></th><td class="net"></td><td class="profit"></td><td class="buy"></td><td class="sell"></td><td class="gross"></td><td class="size"></td><td class="open-for"></td><td class="trade"><button type="button" class="paper-trade secondary">Paper trade</button></td>`;
    const [label, net, profit, buy, sell, gross, size] = tr.children;
    const decimals = groupDecimals(o.group);
    if (isHead) {
      const live = [...group.pairs.values()].filter((p) => !p.closing).length;
      const open = expanded.has(group.name);
      label.innerHTML = `<button type="button" class="expand"></button> <span class="group-name"></span> <span class="pairs"></span>`;
      const button = label.querySelector(".expand");
      button.textContent = open ? "▾" : "▸";
      button.setAttribute("aria-expanded", String(open));
      button.setAttribute("aria-label", `Show the ${live} pairs of ${group.name}`);
      label.querySelector(".group-name").textContent = group.name;
      label.querySelector(".pairs").textContent = `${live} pair${live === 1 ? "" : "s"}`;
    } else {
      const link = document.createElement("a");
      link.href = `/instruments/${o.buy_instrument}/`;
      link.textContent = o.buy_instrument;
      label.append(link);
      if (o.sell_instrument !== o.buy_instrument) label.append(` → ${o.sell_instrument}`);
    }
    if (o.basis_risk) label.insertAdjacentHTML("beforeend", ' <span class="tag" title="The legs are quoted in different currencies">basis risk</span>');
    buy.innerHTML = `<span class="exchange"></span> <span class="ask"></span>`;
    buy.firstChild.textContent = o.buy_exchange;
    buy.lastChild.textContent = formatPrice(o.buy_price, decimals);
    sell.innerHTML = `<span class="exchange"></span> <span class="bid"></span>`;
    sell.firstChild.textContent = o.sell_exchange;
    sell.lastChild.textContent = formatPrice(o.sell_price, decimals);
    gross.textContent = formatPct(o.gross_spread_pct);
    net.innerHTML = `<span></span> <small></small>`;
    net.firstChild.textContent = formatPct(o.net_spread_pct);
    net.lastChild.textContent = formatBps(o.net_spread_pct);
    const shown = executable(o);
    size.textContent = formatSize(shown.sizeBase, coinOfGroup(o.group), groupSizeDecimals(o.group));
    profit.textContent = formatMoney(shown.profitQuote, quoteCurrency(o.buy_instrument));
    profit.classList.toggle("top-of-book", !shown.fromDepth);
    if (!shown.fromDepth) {
      profit.insertAdjacentHTML("beforeend", ` <small class="tag muted" title="Depth not known yet: the two best levels' size times the net spread">top of book</small>`);
    } else {
      const depth = o.depth;
      size.title = `Walking both books: average buy ${formatPrice(depth.avg_buy_price, decimals)}, average sell ${formatPrice(depth.avg_sell_price, decimals)}; slippage from the best ask and bid`;
      if (depth.books_exhausted) size.insertAdjacentHTML("beforeend", `<span class="more" title="A book's known levels ran out while the next coin still paid: more may be there">+</span>`);
      size.insertAdjacentHTML("beforeend", ` <small class="slippage"></small>`);
      size.lastChild.textContent = `slip ${formatPct(depth.buy_slippage_pct)} / ${formatPct(depth.sell_slippage_pct)}`;
    }
    openFor(tr, Date.now());
  }

  // Never blank: a row whose opening time is unknown (or not yet seen) says so.
  function openFor(tr, now) {
    const cell = tr.querySelector(".open-for");
    if (!cell) return;
    const opened = Number(tr.dataset.opened);
    cell.textContent = tr.dataset.opened && Number.isFinite(opened) ? formatDuration(Math.max(0, now - opened)) : "just opened";
  }

  function schedule(group) {
    dirty.add(group);
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(render);
  }

  function render() {
    frameRequested = false;
    for (const group of dirty) paintGroup(group);
    dirty.clear();
    arrange();
  }

  function paintGroup(group) {
    const live = [...group.pairs.values()].filter((p) => !p.closing);
    if (!group.pairs.size) {
      group.tbody.remove();
      groups.delete(group.name);
      return;
    }
    group.tbody.classList.toggle("closing", !live.length);
    const pairs = [...group.pairs.values()].sort((a, b) => (a.closing !== b.closing ? (a.closing ? 1 : -1) : compare(a.o, b.o)));
    if (live.length) {
      const best = live.reduce((a, b) => (Number(b.o.net_spread_pct) > Number(a.o.net_spread_pct) ? b : a));
      cells(group.head, best.o, true, group);
    }
    const open = expanded.has(group.name);
    let after = group.head;
    for (const pair of pairs) {
      pair.tr.hidden = !open;
      if (after.nextSibling !== pair.tr) after.after(pair.tr);
      after = pair.tr;
    }
  }

  // Groups in sort order by their best pair; closing ones last.
  function arrange() {
    const ordered = [...groups.values()].sort((a, b) => {
      const [x, y] = [bestOf(a), bestOf(b)];
      if (!x || !y) return x ? -1 : y ? 1 : 0;
      return compare(x, y);
    });
    let cursor = table.tHead.nextSibling;
    for (const group of ordered) {
      if (cursor === group.tbody) cursor = cursor.nextSibling;
      else table.insertBefore(group.tbody, cursor);
    }
    table.append(placeholder);
    placeholder.querySelector("tr").hidden = groups.size > 0;
  }

  function bestOf(group) {
    let best = null;
    for (const pair of group.pairs.values()) {
      if (pair.closing) continue;
      if (!best || compare(pair.o, best) < 0) best = pair.o;
    }
    return best;
  }

  function onOpportunities(items) {
    for (const o of items) {
      const found = findPair(o.id);
      if (!matches(o)) {
        if (found) drop(found.group, o.id);
        continue;
      }
      if (found && found.group.name !== o.group) drop(found.group, o.id);
      const group = groupOf(o.group);
      let pair = group.pairs.get(o.id);
      if (!pair) {
        pair = { o, tr: document.createElement("tr"), closing: false };
        pair.tr.className = "pair opening";
        pair.tr.addEventListener("animationend", (event) => event.target.classList.remove("opening"), { once: true });
        group.pairs.set(o.id, pair);
      }
      pair.o = o;
      pair.closing = false;
      pair.tr.classList.remove("closing");
      cells(pair.tr, o, false, group);
      schedule(group);
    }
  }

  function findPair(id) {
    for (const group of groups.values()) if (group.pairs.has(id)) return { group, pair: group.pairs.get(id) };
    return null;
  }

  function drop(group, id) {
    group.pairs.get(id)?.tr.remove();
    group.pairs.delete(id);
    schedule(group);
  }

  function onClosed(items) {
    for (const c of items) {
      const found = findPair(c.id);
      if (!found) continue;
      const { group, pair } = found;
      pair.closing = true;
      pair.tr.classList.add("closing"); // fades out rather than jumping
      schedule(group);
      setTimeout(() => {
        if (group.pairs.get(c.id) === pair && pair.closing) drop(group, c.id);
      }, 1500);
    }
  }

  // A snapshot: these are all the open ones; pairs it does not hold go at once.
  function replace(items) {
    const open = new Set(items.map((o) => String(o.id)));
    for (const group of groups.values()) {
      for (const id of [...group.pairs.keys()]) if (!open.has(String(id))) drop(group, id);
    }
    onOpportunities(items);
    render();
  }

  table.tHead.addEventListener("click", (event) => {
    const th = event.target.closest("th[data-sort]");
    if (!th) return;
    const key = th.dataset.sort;
    sort = { key, descending: sort.key === key ? !sort.descending : !["group", "buy", "sell"].includes(key) };
    for (const other of table.tHead.querySelectorAll("th[data-sort]")) other.setAttribute("aria-sort", "none");
    th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
    groups.forEach((group) => dirty.add(group));
    render();
  });

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.expand");
    if (!button) return;
    const group = groups.get(button.closest("tbody").dataset.group);
    if (!group) return;
    if (expanded.has(group.name)) expanded.delete(group.name);
    else expanded.add(group.name);
    paintGroup(group);
  });

  // The server's rows were for the first paint: the same data, kept live from here.
  for (const tbody of table.querySelectorAll("tbody.group")) tbody.remove();
  const initial = document.getElementById("open-opportunities");
  replace(initial ? JSON.parse(initial.textContent) : []);

  const timer = setInterval(() => {
    if (!table.isConnected) return clearInterval(timer);
    const now = Date.now();
    for (const tr of table.querySelectorAll("tr[data-opened]")) if (!tr.hidden) openFor(tr, now);
  }, 1000);
  return { onOpportunities, onClosed, replace };
}

const page = document.getElementById("opportunity-table");
if (page) {
  let handlers = opportunityTable(page.querySelector("table"));
  // A new filter swaps the table in; point the live updates at the new one.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "opportunity-table") return; // the near misses and the paper ticket refresh on their own
    handlers = opportunityTable(document.querySelector("#opportunity-table table"));
  });
  foldOnPhone(document.getElementById("filters-box"));
  // Every opportunity and no quote: with every listed perpetual watched, quotes are ~3,500 a second.
  connectFeed({
    opportunities: "all",
    onSnapshot: (snapshot) => handlers.replace(snapshot.opportunities),
    onOpportunities: (list) => handlers.onOpportunities(list),
    onClosed: (list) => handlers.onClosed(list),
  });
}
