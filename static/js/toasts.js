// In-app alerts as toasts: one per market event (the opportunity's group), so a gap that nine
// pairs share is one toast that counts its alerts, not nine. Each can be dismissed, and goes
// by itself after a while without news; at most a few stand at once. The box is in the page
// (base.html): floating in a corner on wide screens, in the flow above the content on a phone,
// so it never covers the table there (the CSS decides).
const SHOWN_MS = 12000;
const MAX_TOASTS = 3;
const toasts = new Map(); // key -> {el, count, timer}

function box() {
  let el = document.getElementById("toasts");
  if (!el) {
    el = document.createElement("div");
    el.id = "toasts";
    el.className = "toasts";
    el.setAttribute("aria-live", "polite");
    document.body.prepend(el);
  }
  return el;
}

function keyOf(alert) {
  return alert.opportunity?.group ? `group:${alert.opportunity.group}` : `kind:${alert.kind || ""}:${alert.title || ""}`;
}

function dismiss(key) {
  const toast = toasts.get(key);
  if (!toast) return;
  toasts.delete(key);
  clearTimeout(toast.timer);
  toast.el.classList.add("leaving");
  setTimeout(() => toast.el.remove(), 700);
}

// Whether the alert opened a toast of its own (a new market event), not one already standing.
export function showToast(alert) {
  const key = keyOf(alert);
  let toast = toasts.get(key);
  const opened = !toast;
  if (!toast) {
    const el = document.createElement("div");
    el.className = "toast";
    el.dataset.key = key;
    el.innerHTML = `<strong></strong><button type="button" class="dismiss" aria-label="Dismiss">×</button><span class="text"></span><span class="count"></span>`;
    el.querySelector(".dismiss").addEventListener("click", () => dismiss(key));
    toast = { el, count: 0, timer: null };
    toasts.set(key, toast);
    box().prepend(el);
    while (toasts.size > MAX_TOASTS) dismiss(toasts.keys().next().value);
  }
  toast.count += 1;
  toast.el.dataset.kind = alert.kind || "";
  toast.el.querySelector("strong").textContent = alert.title || "Alert";
  toast.el.querySelector(".text").textContent = alert.text || "";
  toast.el.querySelector(".count").textContent = toast.count > 1 ? `${toast.count} alerts for this market` : "";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => dismiss(key), SHOWN_MS);
  return opened;
}

// With toasts off: whether the alert is a new market event, by the same rule as a toast (none
// of its market heard for SHOWN_MS), so that sound and notifications still come once per event.
const heard = new Map(); // key -> ms of the last alert
export function newEvent(alert, nowMs = Date.now()) {
  const key = keyOf(alert);
  const last = heard.get(key);
  heard.set(key, nowMs);
  for (const [other, at] of heard) if (nowMs - at > SHOWN_MS) heard.delete(other);
  return last === undefined || nowMs - last > SHOWN_MS;
}
