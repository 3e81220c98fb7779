// A user's own taker fees on the live pages. /ws carries each opportunity's net figures at the
// admin's fees; a user who set fees of their own (Settings) sees them at theirs, derived again
// from the gross figures as the server does (arbitrage/fee_tables.py), in floats: for display.
const DEFAULT_TAKER_FEE_PCT = "0.06"; // an exchange with no admin row, as the engine

function readFees() {
  const element = document.getElementById("own-fees");
  return element ? JSON.parse(element.textContent) : null; // {own: {exchange: pct}, admin: {...}}
}

export function ownFees() {
  const fees = readFees();
  if (!fees) return (o) => o;
  const fraction = (exchange) => Number(fees.own[exchange] ?? fees.admin[exchange] ?? DEFAULT_TAKER_FEE_PCT) / 100;
  return (o) => {
    if (!(o.buy_exchange in fees.own) && !(o.sell_exchange in fees.own)) return o;
    const buy = Number(o.buy_price);
    const edge = Number(o.sell_price) * (1 - fraction(o.sell_exchange)) - buy * (1 + fraction(o.buy_exchange));
    const net = (edge / buy) * 100;
    const profit = (edge * Number(o.size_base)).toFixed(8);
    return { ...o, net_spread_pct: net.toFixed(6), profit_quote: profit, potential_profit: profit, profitable: net > 0 };
  };
}
