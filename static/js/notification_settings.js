// The Settings page's Notifications form: turning browser notifications on asks this browser's
// permission then (the click is what lets a page ask), and says so when the browser refuses;
// turning sound on plays it once, so the user hears what it is. Once saved, this page's own
// signals follow the new choice.
import { beep, permission, setPreferences } from "./signals.js";

function wire(form) {
  if (form.dataset.wired) return;
  form.dataset.wired = "1";
  const sound = form.querySelector("input[name=alert_sound]");
  const notify = form.querySelector("input[name=alert_browser_notifications]");
  const status = form.querySelector(".notification-permission");
  const say = (text) => (status.textContent = text);
  const refused = (answer) =>
    answer === "unsupported" ? "This browser has no notifications." : "Notifications are blocked for this site in this browser's settings.";
  // Saved on in another browser: this one has not been asked yet, and may be from here.
  if (notify.checked && permission() === "default") {
    say("Not yet allowed in this browser. ");
    const allow = document.createElement("button");
    allow.type = "button";
    allow.className = "secondary allow-notifications";
    allow.textContent = "Allow here";
    allow.addEventListener("click", async () => {
      const answer = await Notification.requestPermission();
      say(answer === "granted" ? "Allowed in this browser." : refused(answer));
    });
    status.append(allow);
  } else if (notify.checked && permission() !== "granted") {
    say(refused(permission()));
  }
  sound.addEventListener("change", () => sound.checked && beep());
  notify.addEventListener("change", async () => {
    say("");
    if (!notify.checked) return;
    let answer = permission();
    if (answer === "default") answer = await Notification.requestPermission();
    if (answer !== "granted") {
      notify.checked = false;
      say(refused(answer));
    }
  });
  if (form.querySelector(".saved")) {
    setPreferences({
      toasts: form.querySelector("input[name=alert_toasts]").checked,
      sound: sound.checked,
      browser_notifications: notify.checked,
    });
  }
}

const form = document.getElementById("notification-settings");
if (form) wire(form);
// A save swaps a new form in (htmx, outerHTML): htmx:load is fired on the new one.
document.body.addEventListener("htmx:load", (event) => {
  if (event.detail.elt?.id === "notification-settings") wire(event.detail.elt);
});
