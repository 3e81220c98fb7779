// The browser's half of arbitrage/read_model.py: the same rules on the live quotes, so a row
// patched here shows what the server would render for it. A quote is stale once now − its
// exchange time (ts_ms, but never later than its arrival, recv_ms: ageFromMs) passes its
// exchange's max quote age (from the column header); the best
// bid and ask, the gross spread (two fresh exchanges or more) and the best net spread of two
// exchanges after both taker fees are taken among fresh quotes, ties to the first exchange in
// column (name) order. Floats here; the server's Decimals agree to the digits shown.
// No DOM: arbitrage/tests/test_read_model.py runs it under node against the server's numbers.

// When a quote's age starts: its exchange time, never later than its arrival (an exchange clock
// ahead of ours must not keep a quote young), as arbitrage.read_model.age_from_ms. A quote
// without recv_ms ages from its exchange time.
export function ageFromMs(tsMs, recvMs) {
  return recvMs < tsMs ? recvMs : tsMs;
}

// tsMs: when its age starts (ageFromMs).
export function quoteAgeMs(tsMs, nowMs) {
  return Math.max(0, nowMs - tsMs);
}

export function isStale(tsMs, maxAgeMs, nowMs) {
  return quoteAgeMs(tsMs, nowMs) > maxAgeMs;
}

// Selling at `bid` against buying at `ask`, before fees, in percent of the ask.
export function grossSpreadPct(bid, ask) {
  return ask > 0 ? ((bid - ask) / ask) * 100 : null;
}

// Fresh quotes [{bid, ask}] of one row, in column order -> [best bid, best ask, gross spread %].
export function bestOf(fresh) {
  let bestBid = null;
  let bestAsk = null;
  for (const quote of fresh) {
    if (!bestBid || quote.bid > bestBid.bid) bestBid = quote;
    if (!bestAsk || quote.ask < bestAsk.ask) bestAsk = quote;
  }
  const spreadPct = fresh.length > 1 ? grossSpreadPct(bestBid.bid, bestAsk.ask) : null;
  return [bestBid, bestAsk, spreadPct];
}

// Fresh quotes [{exchange, bid, ask, fee}] (fee as a fraction) -> the best ordered pair
// {netPct, buy, sell}, buying at one's ask and selling at another's bid, as
// arbitrage.spreads.net_after_fees counts it; null under two exchanges.
export function bestNet(fresh) {
  let best = null;
  for (const buy of fresh) {
    if (!(buy.ask > 0)) continue;
    const cost = buy.ask * (1 + buy.fee);
    for (const sell of fresh) {
      if (sell.exchange === buy.exchange) continue;
      const netPct = ((sell.bid * (1 - sell.fee) - cost) / buy.ask) * 100;
      if (best === null || netPct > best.netPct) best = { netPct, buy, sell };
    }
  }
  return best;
}

// What a trader can act on of an open opportunity, as arbitrage.read_model.executable: the size
// and profit of walking both books where its `depth` is known, else the top of book's.
export function executable(o) {
  return o.depth
    ? { sizeBase: o.depth.size_base, profitQuote: o.depth.profit_quote, fromDepth: true }
    : { sizeBase: o.size_base, profitQuote: o.profit_quote, fromDepth: false };
}
