// The price matrix, instruments × exchanges. Quotes land in a model as they arrive; once per
// animation frame the rows they touched are patched (the text of cells whose quote changed,
// class toggles), with no layout read and no re-sort. One timer a second ages every quote
// (now − ts_ms, or − recv_ms when earlier) against its exchange's max quote age, from the
// column header: stale quotes are greyed and leave the best bid/ask, and the badge hears
// whether anything is still fresh.
// The rules (what is stale, which bid and ask are best, the spreads) are read_model.js's, the
// same as the server's (arbitrage/read_model.py).
import { formatBps, formatDuration, formatPct, formatPrice, formatSize, priceDecimals, sizeDecimals } from "./format.js";
import { ageFromMs, bestNet, bestOf, isStale, quoteAgeMs } from "./read_model.js";

export function priceMatrix(table) {
  const body = table.tBodies[0];
  const headers = [...table.tHead.querySelectorAll("th[data-exchange]")];
  const exchanges = headers.map((th) => th.dataset.exchange);
  const maxAgeMs = new Map(headers.map((th) => [th.dataset.exchange, Number(th.dataset.maxQuoteAgeMs)]));
  // Taker fees as fractions, for each row's best net spread (0.06 % where none is given, as the engine).
  const feeOf = new Map(headers.map((th) => [th.dataset.exchange, Number(th.dataset.takerFeePct ?? "0.06") / 100]));
  const watched = new Set((table.dataset.watched || "").split(",").filter(Boolean));
  // The page's own rows (its subscription: watched and majors), and those of the filter's
  // search beyond them (showFound), with each search answer's place (best match first).
  const own = new Set((table.dataset.instruments || "").split(",").filter(Boolean));
  let found = new Set();
  let searchRanks = new Map();
  const emptyRow = body.querySelector("tr.empty");
  const hasNetColumn = Boolean(table.tHead.querySelector("th.net-spread"));
  const filterInput = document.getElementById("matrix-filter");
  const sortSelect = document.getElementById("matrix-sort");

  const rows = new Map(); // instrument -> row model, shown or about to be
  let order = []; // the shown rows, top to bottom
  const dirty = new Set(); // rows whose quotes changed since the last frame
  const changed = new Set(); // cells marked as just changed, until the next tick
  let frameRequested = false;
  let fresh = false;
  let freshnessListener = null;
  let needle = "";

  function rowModel(instrument) {
    const row = {
      instrument,
      watched: watched.has(instrument),
      found: found.has(instrument), // shown for a search only: a Watch button
      searchRank: searchRanks.get(instrument) ?? Infinity,
      tr: null,
      onScreen: true, // until the browser says it skips rendering the row (off screen)
      spreadEl: null, // the cell, for its class
      spreadTextEl: null,
      spreadBpsEl: null,
      spreadPct: null,
      spreadText: "",
      positive: false,
      netEl: null, // the best pair after fees: its cell, when the table has one
      netPct: null,
      netText: "",
      netRoute: "",
      netSize: "",
      netPositive: false,
      coin: instrument.split("/")[0], // the unit of its quotes' sizes
      sizeDecimals: sizeDecimals(instrument), // the finest lot among its exchanges
      bestBid: null,
      bestAsk: null,
      cells: new Map(),
    };
    const decimals = priceDecimals(instrument);
    for (const exchange of exchanges) {
      row.cells.set(exchange, {
        exchange,
        decimals, // the instrument's tick precision, for the prices shown
        maxAgeMs: maxAgeMs.get(exchange),
        fee: feeOf.get(exchange),
        td: null,
        bidEl: null,
        askEl: null,
        ageEl: null,
        quote: null, // the latest quote, painted or not
        pending: false, // a quote (or its absence) waits for the next frame
        bid: NaN,
        ask: NaN,
        ageFromMs: 0,
        shownBid: "",
        shownAsk: "",
        ageText: "",
        stale: false,
      });
    }
    rows.set(instrument, row);
    return row;
  }

  // The server rendered the first state; adopt its rows rather than build them again.
  for (const tr of body.querySelectorAll("tr[data-instrument]")) {
    const row = rowModel(tr.dataset.instrument);
    row.watched ||= Boolean(tr.dataset.watched);
    row.tr = tr;
    row.spreadEl = tr.querySelector("td.spread");
    [row.spreadTextEl, row.spreadBpsEl] = row.spreadEl.children;
    row.spreadText = row.spreadTextEl.textContent;
    row.positive = row.spreadEl.classList.contains("positive");
    row.netEl = tr.querySelector("td.net-spread");
    if (row.netEl) {
      row.netText = row.netEl.children[0].textContent;
      row.netRoute = row.netEl.children[2].textContent;
      row.netSize = row.netEl.children[3].textContent;
      row.netPositive = row.netEl.classList.contains("positive");
    }
    for (const td of tr.querySelectorAll("td[data-exchange]")) {
      const cell = row.cells.get(td.dataset.exchange);
      if (!cell) continue;
      cell.td = td;
      if (td.classList.contains("best-bid")) row.bestBid = cell;
      if (td.classList.contains("best-ask")) row.bestAsk = cell;
      cell.stale = td.classList.contains("stale");
      if (td.dataset.bid === undefined) continue;
      cell.quote = {
        bid: td.dataset.bid,
        ask: td.dataset.ask,
        bid_size: td.dataset.bidSize,
        ask_size: td.dataset.askSize,
        ts_ms: Number(td.dataset.ts),
        recv_ms: Number(td.dataset.recv),
      };
      [cell.bidEl, cell.askEl, cell.ageEl] = td.children;
      cell.shownBid = cell.quote.bid;
      cell.shownAsk = cell.quote.ask;
      cell.bid = Number(cell.quote.bid);
      cell.ask = Number(cell.quote.ask);
      cell.ageFromMs = ageFromMs(cell.quote.ts_ms, cell.quote.recv_ms);
    }
    order.push(row);
  }

  function update(quotes) {
    for (const quote of quotes) {
      const row = rows.get(quote.instrument) ?? rowModel(quote.instrument);
      const cell = row.cells.get(quote.exchange);
      if (!cell) continue; // an exchange this page has no column for
      cell.quote = quote;
      cell.pending = true;
      dirty.add(row);
    }
    if (dirty.size && !frameRequested) {
      frameRequested = true;
      requestAnimationFrame(render);
    }
  }

  // A snapshot: these quotes are the whole truth; the rest go.
  function replace(quotes) {
    for (const row of rows.values()) {
      for (const cell of row.cells.values()) {
        if (cell.quote === null) continue;
        cell.quote = null;
        cell.pending = true;
        dirty.add(row);
      }
    }
    update(quotes);
  }

  function render() {
    frameRequested = false;
    const now = Date.now();
    for (const row of dirty) {
      if (!hasQuote(row)) {
        unmount(row);
        continue;
      }
      if (!row.tr) mount(row);
      for (const cell of row.cells.values()) if (cell.pending) paint(cell, now, row.onScreen);
      rank(row);
    }
    dirty.clear();
    if (emptyRow) emptyRow.hidden = order.length > 0;
    reportFreshness();
  }

  function hasQuote(row) {
    for (const cell of row.cells.values()) if (cell.quote) return true;
    return false;
  }

  function paint(cell, now, onScreen) {
    cell.pending = false;
    const { quote, td } = cell;
    if (!quote) {
      td.textContent = "";
      cell.bidEl = cell.askEl = cell.ageEl = null;
      cell.shownBid = cell.shownAsk = cell.ageText = "";
      cell.bid = cell.ask = NaN;
      setStale(cell, false);
      return;
    }
    if (!cell.bidEl) {
      cell.bidEl = span("bid");
      cell.askEl = span("ask");
      cell.ageEl = span("age");
      td.append(cell.bidEl, cell.askEl, cell.ageEl);
    }
    cell.bid = Number(quote.bid);
    cell.ask = Number(quote.ask);
    cell.ageFromMs = ageFromMs(quote.ts_ms, quote.recv_ms);
    if (quote.bid !== cell.shownBid || quote.ask !== cell.shownAsk) {
      cell.bidEl.textContent = formatPrice((cell.shownBid = quote.bid), cell.decimals);
      cell.askEl.textContent = formatPrice((cell.shownAsk = quote.ask), cell.decimals);
      // A highlight until the next tick rather than an animation: an animation restyles the
      // page on every frame it runs.
      if (onScreen && !changed.has(cell)) {
        td.classList.add("changed");
        changed.add(cell);
      }
    }
    age(cell, now, onScreen);
  }

  function span(className) {
    const el = document.createElement("span");
    if (className) el.className = className;
    return el;
  }

  // Greys the cell when its quote is stale, and writes its age where it can be seen; true
  // when the cell turned stale or fresh.
  function age(cell, now, onScreen) {
    if (onScreen) {
      const text = formatDuration(quoteAgeMs(cell.ageFromMs, now));
      if (text !== cell.ageText) cell.ageEl.textContent = cell.ageText = text;
    }
    return setStale(cell, isStale(cell.ageFromMs, cell.maxAgeMs, now));
  }

  function setStale(cell, stale) {
    if (stale === cell.stale) return false;
    cell.stale = stale;
    cell.td.classList.toggle("stale", stale);
    return true;
  }

  // Each row's best bid and best ask among its fresh quotes, the gross spread between them,
  // and the best net spread of two exchanges.
  const freshCells = []; // reused: rank runs for every touched row on every frame
  function rank(row) {
    freshCells.length = 0;
    for (const cell of row.cells.values()) {
      if (cell.quote && !cell.pending && !cell.stale) freshCells.push(cell);
    }
    const [bestBid, bestAsk, spreadPct] = bestOf(freshCells);
    if (bestBid !== row.bestBid) {
      row.bestBid?.td.classList.remove("best-bid");
      bestBid?.td.classList.add("best-bid");
      row.bestBid = bestBid;
    }
    if (bestAsk !== row.bestAsk) {
      row.bestAsk?.td.classList.remove("best-ask");
      bestAsk?.td.classList.add("best-ask");
      row.bestAsk = bestAsk;
    }
    row.spreadPct = spreadPct;
    const text = row.spreadPct === null ? "" : formatPct(row.spreadPct);
    if (text !== row.spreadText) {
      row.spreadTextEl.textContent = row.spreadText = text;
      row.spreadBpsEl.textContent = row.spreadPct === null ? "" : formatBps(row.spreadPct);
    }
    const positive = row.spreadPct !== null && row.spreadPct > 0;
    if (positive !== row.positive) row.spreadEl.classList.toggle("positive", (row.positive = positive));
    if (row.netEl) rankNet(row);
  }

  // Buy at one exchange's ask, sell at another's bid, both as taker: the best such pair. A
  // dozen exchanges at most: every pair.
  function rankNet(row) {
    const found = bestNet(freshCells);
    const best = found === null ? null : found.netPct;
    row.netPct = best;
    const text = best === null ? "" : formatPct(best);
    const [value, bps, route] = row.netEl.children;
    if (text !== row.netText) {
      value.textContent = row.netText = text;
      bps.textContent = best === null ? "" : formatBps(best);
    }
    const [, , , size] = row.netEl.children;
    const routeText = found === null ? "" : `${found.buy.exchange} → ${found.sell.exchange}`;
    if (routeText !== row.netRoute) route.textContent = row.netRoute = routeText;
    // What both tops of book hold: the buy leg's ask size and the sell leg's bid size.
    let sizeText = "";
    if (found !== null) {
      const askSize = found.buy.quote.ask_size;
      const bidSize = found.sell.quote.bid_size;
      sizeText = formatSize(Number(askSize) < Number(bidSize) ? askSize : bidSize, row.coin, row.sizeDecimals);
    }
    if (sizeText !== row.netSize) size.textContent = row.netSize = sizeText;
    const positive = best !== null && best > 0;
    if (positive !== row.netPositive) row.netEl.classList.toggle("positive", (row.netPositive = positive));
  }

  function mount(row) {
    const tr = document.createElement("tr");
    tr.dataset.instrument = row.instrument;
    if (row.watched) tr.dataset.watched = "1";
    const th = document.createElement("th");
    const link = document.createElement("a");
    link.href = `/instruments/${row.instrument}/`;
    link.textContent = row.instrument;
    th.append(link);
    if (row.found && !row.watched) {
      tr.dataset.found = "1";
      const watch = document.createElement("button");
      watch.type = "button";
      watch.className = "watch secondary";
      watch.textContent = "Watch";
      watch.setAttribute("aria-label", `Watch ${row.instrument}`);
      th.append(watch);
    }
    row.spreadEl = document.createElement("td");
    row.spreadEl.className = "spread";
    row.spreadTextEl = span("");
    row.spreadBpsEl = document.createElement("small");
    row.spreadEl.append(row.spreadTextEl, row.spreadBpsEl);
    tr.append(th, row.spreadEl);
    if (hasNetColumn) {
      row.netEl = document.createElement("td");
      row.netEl.className = "net-spread";
      const route = document.createElement("small");
      route.className = "route";
      const size = document.createElement("small");
      size.className = "size";
      row.netEl.append(span(""), document.createElement("small"), route, size);
      tr.append(row.netEl);
    }
    for (const cell of row.cells.values()) {
      cell.td = document.createElement("td");
      cell.td.dataset.exchange = cell.exchange;
      tr.append(cell.td);
    }
    tr.hidden = !matches(row);
    row.tr = tr;
    const at = insertionIndex(row);
    body.insertBefore(tr, order[at]?.tr ?? null);
    order.splice(at, 0, row);
  }

  // A search's row no longer asked for: gone now, whatever quotes it still had.
  function drop(row) {
    dirty.delete(row);
    for (const cell of row.cells.values()) cell.quote = null;
    unmount(row);
  }

  function unmount(row) {
    rows.delete(row.instrument);
    if (!row.tr) return;
    row.tr.remove();
    order.splice(order.indexOf(row), 1);
  }

  // Sort and filter, client-side: the table is already all here.
  function compare(a, b) {
    const by = sortSelect?.value || "watched";
    const key = by === "net" ? "netPct" : "spreadPct";
    if ((by === "spread" || by === "net") && a[key] !== b[key]) {
      if (a[key] === null) return 1;
      if (b[key] === null) return -1;
      return b[key] - a[key];
    }
    if (by === "watched" && a.watched !== b.watched) return a.watched ? -1 : 1;
    if (by === "watched" && a.searchRank !== b.searchRank) return a.searchRank < b.searchRank ? -1 : 1;
    return a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0;
  }

  function insertionIndex(row) {
    let low = 0;
    let high = order.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compare(order[middle], row) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // Moves only the rows that are out of place.
  function sortRows() {
    const sorted = [...order].sort(compare);
    if (sorted.every((row, i) => row === order[i])) return;
    let cursor = order[0].tr;
    for (const row of sorted) {
      if (row.tr === cursor) cursor = cursor.nextElementSibling;
      else body.insertBefore(row.tr, cursor);
    }
    order = sorted;
  }

  function matches(row) {
    return needle === "" || row.instrument.toUpperCase().includes(needle);
  }

  filterInput?.addEventListener("input", () => {
    needle = filterInput.value.trim().toUpperCase();
    for (const row of order) row.tr.hidden = !matches(row);
  });
  sortSelect?.addEventListener("change", sortRows);

  // Rows off screen skip rendering (content-visibility: auto, in the CSS); the browser says
  // when that changes. Their highlights and age text wait until they are seen.
  body.addEventListener(
    "contentvisibilityautostatechange",
    (event) => {
      const row = rows.get(event.target.dataset.instrument);
      if (!row || row.tr !== event.target) return;
      row.onScreen = !event.skipped;
      if (!row.onScreen) return;
      const now = Date.now();
      for (const cell of row.cells.values()) if (cell.quote && !cell.pending) age(cell, now, true);
    },
    { capture: true }, // the event does not bubble
  );

  function tick() {
    const now = Date.now();
    for (const cell of changed) cell.td.classList.remove("changed");
    changed.clear();
    for (const row of order) {
      let turned = false;
      for (const cell of row.cells.values()) {
        if (cell.quote && !cell.pending) turned = age(cell, now, row.onScreen) || turned;
      }
      if (turned) rank(row);
    }
    if (sortSelect?.value === "spread" || sortSelect?.value === "net") sortRows();
    reportFreshness();
  }

  function reportFreshness() {
    let found = false;
    search: for (const row of order) {
      for (const cell of row.cells.values()) {
        if (cell.quote && !cell.pending && !cell.stale) {
          found = true;
          break search;
        }
      }
    }
    if (found === fresh) return;
    fresh = found;
    freshnessListener?.(fresh);
  }

  tick();
  order.forEach(rank);
  setInterval(tick, 1000);
  return {
    table,
    instruments: [...own],
    update,
    replace,
    // Whether the page shows an instrument whatever the filter (watched, a major).
    isOwn: (instrument) => own.has(instrument),
    // A search's answer, best first, and those of them beyond the page's own rows: these are
    // shown (as their quotes arrive) until the next answer; the others go now. Watched first,
    // then the best matches, while the sort is the default.
    showFound(ranked, extras) {
      searchRanks = new Map(ranked.map((instrument, at) => [instrument, at]));
      found = new Set(extras);
      for (const row of [...rows.values()]) {
        row.searchRank = searchRanks.get(row.instrument) ?? Infinity;
        if (row.found && !found.has(row.instrument)) drop(row);
      }
      sortRows();
    },
    // A search's row the user now watches: one of the page's own from here on.
    markWatched(instrument) {
      own.add(instrument);
      watched.add(instrument);
      found.delete(instrument);
      const row = rows.get(instrument);
      if (!row) return;
      row.watched = true;
      row.found = false;
      if (row.tr) {
        row.tr.dataset.watched = "1";
        delete row.tr.dataset.found;
        row.tr.querySelector("button.watch")?.remove();
      }
      sortRows();
    },
    // The badge's "live" needs a fresh quote on the page: fn(fresh) now and on every change.
    onFreshness(fn) {
      freshnessListener = fn;
      fn(fresh);
    },
  };
}
