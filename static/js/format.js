// How the pages write numbers, the same way as the server's template filters (lib/numbers.py):
// prices at their instrument's tick precision with thousands separators, sizes in coin units
// rounded down to the lot (four significant digits where the lot is unknown), spreads in % and bps with fixed decimals, money with its
// currency, durations in words. The page carries each instrument's price decimals in
// <script id="price-decimals" type="application/json"> ({instruments: {...}, groups: {...}}),
// and the decimals of each one's lot (size_instruments in base units, size_groups in coins).

const MAX_DECIMALS = 8;
const SIZE_SIGNIFICANT = 4;
let known = null;

function decimalsTable() {
  if (known === null) {
    const el = document.getElementById("price-decimals");
    try {
      known = el ? JSON.parse(el.textContent) : {};
    } catch {
      known = {};
    }
    known.instruments ??= {};
    known.groups ??= {};
    known.size_instruments ??= {};
    known.size_groups ??= {};
  }
  return known;
}

// Decimals of a canonical instrument's quotes; undefined when the page does not know it.
export function priceDecimals(instrument) {
  return decimalsTable().instruments[instrument];
}

// Decimals of per-coin prices in a group ("BTC/USD"), as opportunities quote them.
export function groupDecimals(group) {
  return decimalsTable().groups[group];
}

// Decimals of an instrument's lot, in base units as quotes give sizes; undefined if unknown.
export function sizeDecimals(instrument) {
  return decimalsTable().size_instruments[instrument];
}

// Decimals of a group's lot in coins, as opportunities give sizes; undefined if unknown.
export function groupSizeDecimals(group) {
  return decimalsTable().size_groups[group];
}

function grouped(text) {
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  const dot = digits.indexOf(".");
  const whole = dot === -1 ? digits : digits.slice(0, dot);
  const rest = dot === -1 ? "" : digits.slice(dot);
  let out = whole;
  if (whole.length > 3) out = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (negative && Number(digits) !== 0 ? "-" : "") + out + rest;
}

function fixed(number, decimals) {
  return grouped(number.toFixed(decimals));
}

function ownDecimals(text) {
  const dot = text.indexOf(".");
  if (dot === -1 || /e/i.test(text)) return 0;
  return Math.min(text.slice(dot + 1).replace(/0+$/, "").length, MAX_DECIMALS);
}

// A price string or number; `decimals` from the instrument's tick, else the value's own digits.
export function formatPrice(value, decimals) {
  if (value === null || value === undefined || value === "") return "";
  const number = Number(value);
  if (!Number.isFinite(number)) return "";
  return fixed(number, decimals ?? ownDecimals(String(value)));
}

function significantDecimals(number) {
  if (number === 0) return 0;
  const integerDigits = Math.floor(Math.log10(Math.abs(number))) + 1;
  return Math.min(Math.max(SIZE_SIGNIFICANT - integerDigits, 0), MAX_DECIMALS);
}

// Cut to `decimals` digits after the point (toward zero, as Python's ROUND_DOWN), exactly for a
// decimal string, which is how sizes arrive.
function truncated(value, number, decimals) {
  const text = typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? value : number.toFixed(decimals + 6);
  const [whole, fraction = ""] = text.split(".");
  const cut = decimals > 0 ? `${whole}.${fraction.slice(0, decimals).padEnd(decimals, "0")}` : whole;
  return /^-0*(\.0*)?$/.test(cut) ? cut.slice(1) : cut;
}

// Coin units, no trailing zeros. With `decimals` (the lot's) rounded down to the lot, what could
// be traded: "8.06612", "ETH", 3 -> "8.066 ETH". Without, four significant digits:
// 0.01234567 -> "0.01235 BTC", 12345.678 -> "12,346 BTC".
export function formatSize(value, coin = "", decimals = undefined) {
  const number = Number(value);
  if (value === null || value === undefined || value === "" || !Number.isFinite(number)) return "";
  let text =
    decimals === undefined || decimals === null
      ? fixed(number, significantDecimals(number))
      : grouped(truncated(value, number, decimals));
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return coin ? `${text} ${coin}` : text;
}

export function formatPct(value, decimals = 3) {
  const number = Number(value);
  if (value === null || value === undefined || value === "" || !Number.isFinite(number)) return "";
  return `${fixed(number, decimals)} %`;
}

// A percentage in basis points: 0.1234 % -> "12.3 bps".
export function formatBps(pct) {
  const number = Number(pct);
  if (pct === null || pct === undefined || pct === "" || !Number.isFinite(number)) return "";
  return `${fixed(number * 100, 1)} bps`;
}

export function formatMoney(value, currency = "") {
  const number = Number(value);
  if (value === null || value === undefined || value === "" || !Number.isFinite(number)) return "";
  return currency ? `${fixed(number, 2)} ${currency}` : fixed(number, 2);
}

// 850 ms, 4.2 s, 3 min 12 s, 2 h 5 min, 3 d 4 h.
export function formatDuration(ms) {
  const value = Math.max(Math.floor(Number(ms) || 0), 0);
  if (value < 1000) return `${value} ms`;
  if (value < 60000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(value / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

// BTC/USDT:USDT -> USDT.
export function quoteCurrency(instrument) {
  return (instrument.split("/")[1] || "").split(":")[0];
}

// BTC/USD -> BTC.
export function coinOfGroup(group) {
  return group.split("/")[0];
}
