// How every page signals the user's in-app alerts, as they chose on the Settings page
// (accounts/notification_preferences.py, rendered into the page as #notification-prefs): a
// toast, a beep, a browser notification. One signal per market event, as one toast: an alert
// that joins a standing toast (or, with toasts off, one of a market event heard moments ago)
// is quiet. A browser notification also needs this browser's permission, asked for only on
// the Settings page when the user turns them on, never on load.
import { newEvent, showToast } from "./toasts.js";

const DEFAULTS = { toasts: true, sound: false, browser_notifications: false };
let audio = null;

export function preferences() {
  const el = document.getElementById("notification-prefs");
  try {
    return { ...DEFAULTS, ...(el ? JSON.parse(el.textContent) : {}) };
  } catch {
    return DEFAULTS;
  }
}

// The Settings page saved new ones: this page follows them without a reload.
export function setPreferences(prefs) {
  let el = document.getElementById("notification-prefs");
  if (!el) {
    el = document.createElement("script");
    el.type = "application/json";
    el.id = "notification-prefs";
    document.body.append(el);
  }
  el.textContent = JSON.stringify(prefs);
}

export function beep() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audio ??= new Context();
  audio.resume?.();
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.frequency.value = 880;
  gain.gain.value = 0.08;
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start();
  oscillator.stop(audio.currentTime + 0.15);
}

export const permission = () => ("Notification" in window ? Notification.permission : "unsupported");

export function signalAlert(alert) {
  const prefs = preferences();
  const opened = prefs.toasts ? showToast(alert) : newEvent(alert);
  if (!opened) return;
  if (prefs.sound) beep();
  if (prefs.browser_notifications && permission() === "granted") {
    const tag = alert.opportunity?.group ?? alert.kind ?? "alert";
    new Notification(alert.title || "Arbsite alert", { body: alert.text || "", tag });
  }
}
