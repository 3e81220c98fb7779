// Sound and browser notifications for in-app alerts, on the opportunities page. Both are off
// until the user turns them on; the choice is kept in this browser (localStorage). The
// browser's permission prompt appears only when the user turns notifications on, never on
// load. One signal per market event, as one toast: an alert that joins a standing toast is quiet.
const KEYS = { sound: "arbsite.alerts.sound", notify: "arbsite.alerts.notify" };
let audio = null;

function saved(key) {
  try {
    return localStorage.getItem(key) === "on";
  } catch {
    return false; // storage refused (private mode): off, as by default
  }
}

function save(key, on) {
  try {
    localStorage.setItem(key, on ? "on" : "off");
  } catch {
    /* not kept: the toggle still works for this page */
  }
}

function beep() {
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

const permission = () => ("Notification" in window ? Notification.permission : "unsupported");

export function alertSignals(root) {
  const sound = root.querySelector("input[name=alert-sound]");
  const notify = root.querySelector("input[name=alert-notify]");
  const status = root.querySelector(".signal-status");
  const say = (text) => status && (status.textContent = text);
  sound.checked = saved(KEYS.sound);
  notify.checked = saved(KEYS.notify) && permission() === "granted";
  if (saved(KEYS.notify) && permission() === "denied") say("notifications blocked by the browser");

  sound.addEventListener("change", () => {
    save(KEYS.sound, sound.checked);
    if (sound.checked) beep(); // the click lets the page play sound, and the user hears what it is
  });
  notify.addEventListener("change", async () => {
    say("");
    if (notify.checked) {
      let answer = permission();
      if (answer === "default") answer = await Notification.requestPermission();
      if (answer !== "granted") {
        notify.checked = false;
        say(answer === "unsupported" ? "this browser has no notifications" : "notifications blocked by the browser");
      }
    }
    save(KEYS.notify, notify.checked);
  });

  return function onAlert(alert, opened) {
    if (!opened) return;
    if (sound.checked) beep();
    if (notify.checked && permission() === "granted") {
      const tag = alert.opportunity?.group ?? alert.kind ?? "alert";
      new Notification(alert.title || "Arbsite alert", { body: alert.text || "", tag });
    }
  };
}
