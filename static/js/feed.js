// One /ws connection with reconnect; pages pass handlers for the message types they show.
export function connectFeed({ instruments = [], onSnapshot, onQuotes, onOpportunities, onClosed, onMessage } = {}) {
  const statusEl = document.getElementById("live-status");
  const setStatus = (state, text) => {
    if (!statusEl) return;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  };
  let retryMs = 500;
  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.onopen = () => {
      retryMs = 500;
      setStatus("live", "live");
      if (instruments.length) socket.send(JSON.stringify({ type: "subscribe", instruments }));
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      switch (message.type) {
        case "snapshot":
          onSnapshot?.(message);
          break;
        case "price_update":
          onQuotes?.(message.data);
          break;
        case "arbitrage_opportunities":
          onOpportunities?.(message.data);
          break;
        case "opportunity_closed":
          onClosed?.(message.data);
          break;
        case "alert":
          showToast(message.data);
          break;
      }
      onMessage?.(message);
    };
    socket.onclose = (event) => {
      if (event.code >= 4400 && event.code < 4500) {
        setStatus("down", "signed out");
        location.reload(); // the login page takes over
        return;
      }
      setStatus("down", "reconnecting…");
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }
  open();
}

export function formatAge(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min`;
}

// In-app alerts: a toast in the corner of whatever page is open, gone after a while.
export function showToast(alert) {
  let box = document.getElementById("toasts");
  if (!box) {
    box = document.createElement("div");
    box.id = "toasts";
    box.className = "toasts";
    box.setAttribute("aria-live", "polite");
    document.body.appendChild(box);
  }
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.dataset.kind = alert.kind || "";
  const title = document.createElement("strong");
  title.textContent = alert.title || "Alert";
  const text = document.createElement("span");
  text.textContent = alert.text || "";
  toast.append(title, text);
  box.appendChild(toast);
  setTimeout(() => {
    toast.classList.add("leaving");
    setTimeout(() => toast.remove(), 700);
  }, 12000);
}
