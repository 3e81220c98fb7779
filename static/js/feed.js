// One /ws connection with reconnect, shared by every page. A `snapshot` replaces the page's
// state: it may come at any time (after a reconnect, or when the server dropped frames for a
// slow page), split in pages, and says which engine update (`seq`) it reflects. Deltas it
// already holds (seq ≤ the snapshot's) are dropped; deltas that arrive between its pages wait
// for the last page, so the snapshot's older quotes never overwrite them.
import { signalAlert } from "./signals.js";

// `instruments`: the quotes the page shows; `opportunities`: "all" (every opportunity, whatever
// `instruments`), "none", or left out: those of `instruments`. Named in the URL, so even the first
// snapshot holds only that. A page that names neither gets every quote: none should, with every
// listed perpetual watched (README, "/ws").
const URL_NAMES_CHARS = 2500; // ~3.5 KB once encoded
const CHANGE_GAP_MS = 400; // between two rounds of subscription changes: at most 5 messages a second

export function connectFeed({ instruments = [], opportunities, onSnapshot, onQuotes, onOpportunities, onClosed, onError } = {}) {
  const badge = liveBadge(document.getElementById("live-status"));
  // A page of some instruments keeps to them even if a snapshot sent before the server heard
  // its subscription holds every instrument.
  const subscribing = instruments.length > 0 || opportunities !== undefined;
  const only = subscribing ? new Set(instruments) : null;
  const allOpportunities = !only || opportunities === "all";
  const ownQuotes = (quotes) => (only ? quotes.filter((q) => only.has(q.instrument)) : quotes);
  const ownOpportunities = (list) => (allOpportunities ? list : list.filter((o) => only.has(o.buy_instrument) || only.has(o.sell_instrument)));
  const deltaHandlers = {
    price_update: onQuotes && ((data) => onQuotes(ownQuotes(data))),
    arbitrage_opportunities: onOpportunities && ((data) => onOpportunities(ownOpportunities(data))),
    opportunity_closed: onClosed,
  };
  // Request lines over ~8 KB are refused by proxies and servers: the names past URL_NAMES_CHARS
  // (a user may watch 500) follow in a subscribe message once the socket is open.
  const inUrl = [];
  const later = [];
  let used = 0;
  for (const name of instruments) {
    used += name.length + 1;
    (used <= URL_NAMES_CHARS ? inUrl : later).push(name);
  }
  const query = subscribing
    ? "?" + new URLSearchParams({ instruments: inUrl.join(","), ...(opportunities && { opportunities }) })
    : "";
  let retryMs = 500;
  // Instruments added after the page opened (subscribe()): asked for again on every reconnect,
  // after the URL's. Changes wait for an open socket and go at most every CHANGE_GAP_MS, each
  // as one unsubscribe and one subscribe: the server takes 5 client messages a second.
  const added = new Set();
  const pending = { subscribe: new Set(), unsubscribe: new Set() };
  let socket = null;
  let lastChangeMs = -Infinity;
  let changeTimer = null;

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // The subscription in the URL: the first snapshot then holds only what the page shows.
    socket = new WebSocket(`${scheme}://${location.host}/ws${query}`);
    let snapshotSeq = null; // the last whole snapshot's seq, on this connection
    let assembling = null; // a snapshot whose pages are still arriving, and the deltas held meanwhile

    function deliver(message) {
      if (snapshotSeq !== null && message.seq !== undefined && message.seq <= snapshotSeq) return;
      deltaHandlers[message.type]?.(message.data);
    }

    function snapshotPage(message) {
      const page = message.page ?? 1;
      const pages = message.pages ?? 1;
      if (page === 1) {
        assembling = { seq: message.seq ?? null, next: 1, data: [], opportunities: [], held: assembling?.held ?? [] };
      } else if (!assembling || page !== assembling.next || (message.seq ?? null) !== assembling.seq) {
        console.warn(`snapshot page ${page}/${pages} out of order: dropped, the next snapshot replaces it`);
        return;
      }
      for (const quote of message.data ?? []) assembling.data.push(quote);
      for (const opportunity of message.opportunities ?? []) assembling.opportunities.push(opportunity);
      assembling.next = page + 1;
      if (page < pages) return;
      const { seq, data, opportunities, held } = assembling;
      assembling = null;
      snapshotSeq = seq;
      onSnapshot?.({ seq, data: ownQuotes(data), opportunities: ownOpportunities(opportunities) });
      held.forEach(deliver);
      badge.synced();
    }

    socket.onopen = () => {
      retryMs = 500;
      badge.connected();
      // What was pending is in `added` already: this one message asks for it too.
      pending.subscribe.clear();
      pending.unsubscribe.clear();
      const rest = [...later, ...added];
      if (rest.length) socket.send(JSON.stringify({ type: "subscribe", instruments: rest }));
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.warn("a /ws message that is not JSON: dropped");
        return;
      }
      if (message.type === "snapshot") snapshotPage(message);
      else if (message.type === "alert") signalAlert(message.data); // as the user chose (Settings)
      else if (message.type === "error") onError ? onError(message.error) : console.warn(`/ws: ${message.error}`);
      else if (assembling) assembling.held.push(message);
      else deliver(message);
    };
    socket.onclose = (event) => {
      if (event.code >= 4400 && event.code < 4500) {
        badge.down("signed out");
        location.reload(); // the login page takes over
        return;
      }
      badge.down("reconnecting…");
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }

  function sendChanges() {
    changeTimer = null;
    if (socket?.readyState !== WebSocket.OPEN) return; // onopen asks for `added`
    const waitMs = lastChangeMs + CHANGE_GAP_MS - Date.now();
    if (waitMs > 0) {
      changeTimer = setTimeout(sendChanges, waitMs);
      return;
    }
    for (const type of ["unsubscribe", "subscribe"]) {
      if (!pending[type].size) continue;
      socket.send(JSON.stringify({ type, instruments: [...pending[type]] }));
      pending[type].clear();
      lastChangeMs = Date.now();
    }
  }

  function change(type, names) {
    const other = pending[type === "subscribe" ? "unsubscribe" : "subscribe"];
    for (const name of names) {
      if (other.delete(name)) continue; // asked for and taken back before it was sent
      pending[type].add(name);
    }
    if (changeTimer === null) changeTimer = setTimeout(sendChanges, 0);
  }

  open();
  return {
    setFresh: badge.setFresh,
    // More instruments' quotes (a search's rows), live until unsubscribe(); a page of some
    // instruments only.
    subscribe(names) {
      const fresh = names.filter((name) => !only?.has(name));
      if (!only || !fresh.length) return;
      for (const name of fresh) {
        only.add(name);
        added.add(name);
      }
      change("subscribe", fresh);
    },
    // Drops what subscribe() added (never the page's own instruments); their quotes stop at once.
    unsubscribe(names) {
      const gone = names.filter((name) => added.has(name));
      if (!gone.length) return;
      for (const name of gone) {
        only.delete(name);
        added.delete(name);
      }
      change("unsubscribe", gone);
    },
  };
}

// The badge says "live" only while the socket is up, the page holds a whole snapshot, and the
// page's quotes are fresh (a page that shows quotes reports that through setFresh).
function liveBadge(el) {
  let connection = "connecting"; // connecting | synced | down
  let fresh = true;
  let downText = "";
  function show() {
    if (!el) return;
    let state, text;
    if (connection === "down") [state, text] = ["down", downText];
    else if (connection === "connecting") [state, text] = ["connecting", "connecting…"];
    else if (fresh) [state, text] = ["live", "live"];
    else [state, text] = ["stale", "stale"];
    if (el.dataset.state === state && el.textContent === text) return;
    el.dataset.state = state;
    el.textContent = text;
    el.title = state === "stale" ? "Connected, but no quote is within its exchange's max age" : "";
  }
  return {
    connected() {
      connection = "connecting";
      show();
    },
    synced() {
      connection = "synced";
      show();
    },
    down(text) {
      connection = "down";
      downText = text;
      show();
    },
    setFresh(value) {
      fresh = value;
      show();
    },
  };
}
