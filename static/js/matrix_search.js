// The Prices page's filter beyond its own rows. The matrix hides the rows that do not match at
// once, as the user types (matrix.js); 150 ms after the last key this asks the server which
// quoted instruments match (GET /prices/search: the whole universe, best first, 50 at most),
// shows those rows and subscribes to their quotes on /ws. Clearing the filter (or the next
// answer) drops them and unsubscribes. A row found so has a Watch button: watched, it stays.
const DEBOUNCE_MS = 150;

export function instrumentSearch({ input, status, matrix, feed }) {
  const url = input.dataset.searchUrl;
  let timer = null;
  let inFlight = null; // the request of the latest query, aborted by the next one
  let asked = new Set(); // the rows beyond the page's own that the current answer subscribed to

  input.addEventListener("input", () => {
    clearTimeout(timer);
    inFlight?.abort();
    const query = input.value.trim();
    if (!query) {
      show(null);
      return;
    }
    timer = setTimeout(() => search(query), DEBOUNCE_MS);
  });

  async function search(query) {
    const controller = (inFlight = new AbortController());
    let body;
    try {
      const response = await fetch(`${url}?${new URLSearchParams({ q: query })}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      if (response.redirected) {
        location.reload(); // signed out: the login page takes over
        return;
      }
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (controller.signal.aborted) return;
      say(`Search failed: ${error.message}. Only the rows shown are filtered.`);
      return;
    }
    if (controller.signal.aborted || input.value.trim() !== query) return; // typed on meanwhile
    show(body);
  }

  function show(answer) {
    const ranked = answer ? answer.instruments.map((found) => found.instrument) : [];
    const extras = ranked.filter((instrument) => !matrix.isOwn(instrument));
    const keep = new Set(extras);
    feed.unsubscribe([...asked].filter((instrument) => !keep.has(instrument)));
    asked = keep;
    matrix.showFound(ranked, extras);
    feed.subscribe(extras);
    if (!answer) say("");
    else if (answer.count === 0) say(`No quoted instrument matches “${answer.query}”.`);
    else if (answer.more > 0) {
      say(`The best ${answer.instruments.length} of ${answer.count} quoted instruments matching “${answer.query}”; type more to narrow.`);
    } else say(`${answer.count} quoted instrument${answer.count === 1 ? " matches" : "s match"} “${answer.query}”.`);
  }

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  // The server refused a subscription (a page already near the instruments one connection may
  // take): the found rows would stay empty, so the status line says why.
  function refused(text) {
    if (asked.size) say(`Live prices for these rows were refused: ${text}. Unwatch some instruments, or narrow the search.`);
  }

  // A found row's Watch button: the instrument joins the user's watchlist and the page's own rows.
  matrix.table.addEventListener("click", async (event) => {
    const button = event.target.closest("button.watch");
    if (!button) return;
    const instrument = button.closest("tr").dataset.instrument;
    button.disabled = true;
    const response = await fetch("/api/watchlist", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ instrument }),
    }).catch(() => null);
    if (!response?.ok) {
      button.disabled = false;
      button.title = "Not watched: try again, or add it in Settings";
      return;
    }
    asked.delete(instrument); // stays subscribed when the filter is cleared
    matrix.markWatched(instrument);
  });

  return { refused };
}

function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
}
