"""Alerts in the browser against `run_all --simulate`: a rule's "send test" button shows its
result inline, and sound and browser notifications stay off (and never ask for permission)
until the user turns them on in Settings, then every page signals once per market event as
the user chose, toasts included. The browser's Notification and AudioContext are stood in
for, to count what the page does."""

from __future__ import annotations

import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]

COUNT_SIGNALS = """
window.__signals = { asked: 0, notifications: [], beeps: 0, alerts: 0 };
// Counts the alerts that reached the page, heard before the page's own handler is.
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (event.data.includes('"type":"alert"')) window.__signals.alerts += 1;
    });
  }
};
window.Notification = class {
  // A grant holds for the whole site and outlives a reload, as the browser's does.
  static permission = localStorage.getItem("granted") ? "granted" : "default";
  static async requestPermission() {
    window.__signals.asked += 1;
    localStorage.setItem("granted", "1");
    this.permission = "granted";
    return "granted";
  }
  constructor(title, options) { window.__signals.notifications.push({ title, ...options }); }
};
window.AudioContext = class {
  currentTime = 0;
  destination = {};
  resume() {}
  createGain() { return { gain: {}, connect: (to) => to }; }
  createOscillator() {
    window.__signals.beeps += 1;
    return { frequency: {}, connect: (to) => to, start() {}, stop() {} };
  }
};
"""


async def _signals(page) -> dict:
    return await page.evaluate("() => ({ ...window.__signals })")


async def test_send_test_and_opt_in_alert_signals(demo, browser):
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    await context.add_init_script(COUNT_SIGNALS)
    errors = []
    market = await context.new_page()
    market.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(market, demo)

    # Toasts only by default, and no permission asked on load.
    await market.goto(demo["url"] + "/opportunities/")
    await market.wait_for_selector("#live-status[data-state=live]")
    line = await market.inner_text("#alert-signals")
    assert line.startswith("On an alert: toast, no sound, no browser notification")
    assert (await _signals(market))["asked"] == 0

    # Turned on in Settings: permission asked once, on the tick; sound heard once, on its tick.
    settings = await context.new_page()
    settings.on("pageerror", lambda error: errors.append(str(error)))
    await settings.goto(demo["url"] + "/accounts/settings/")
    form = settings.locator("#notification-settings")
    assert await form.locator("input[name=alert_toasts]").is_checked()
    assert (await _signals(settings))["asked"] == 0
    await form.locator("input[name=alert_browser_notifications]").check()
    await form.locator("input[name=alert_sound]").check()
    await form.locator("input[name=alert_toasts]").uncheck()
    await form.locator("button[type=submit]").click()
    await settings.locator("#notification-settings .saved").wait_for(timeout=10_000)
    state = await _signals(settings)
    assert (state["asked"], state["beeps"]) == (1, 1)
    await save_screenshots(settings, "settings-notifications")

    # Kept for the user, not the browser tab: the other page reads them on its next load.
    await market.reload()
    await market.wait_for_selector("#live-status[data-state=live]")
    line = await market.inner_text("#alert-signals")
    assert line.startswith("On an alert: no toast, sound, browser notification")

    # A rule, and its "send test" button on the alerts page: the result shows inline.
    rules = await context.new_page()
    await rules.goto(demo["url"] + "/accounts/alerts/")
    await rules.fill("#rule-create input[name=name]", "signals")
    # Far above any simulated gap: only the test alert reaches the page, not a real one.
    await rules.fill("#rule-create input[name=min_net_spread_pct]", "50")
    await rules.click("#rule-create button[type=submit]")
    rule = rules.locator('article.rule[data-rule="signals"]')
    await rule.wait_for(timeout=10_000)
    await rule.locator('button.test[data-channel="in_app"]').click()
    outcome = rule.locator(".test-outcome")
    await rule.locator('.test-outcome[data-outcome="sent"]').wait_for(timeout=20_000)
    assert (await outcome.inner_text()).startswith("Test by In App: sent at")
    await save_screenshots(rules, "alerts-send-test")

    # The test alert reached the other pages as she chose: one sound, one notification, no toast;
    # the Settings page too, which followed her save without a reload.
    for page in (market, settings):
        await page.wait_for_function("() => window.__signals.notifications.length === 1", timeout=20_000)
    state = await _signals(market)
    assert state["notifications"][0]["title"].startswith("[TEST]")
    assert state["beeps"] == 1  # the reload reset the count: this one is the alert's
    assert (await _signals(settings))["beeps"] == 2  # the tick's, then the alert's
    assert await market.locator("#toasts .toast").count() == 0
    assert await rules.locator("#toasts .toast").count() == 0
    await save_screenshots(market, "opportunities-signals", full_page=False)

    # A second alert of the same market event moments later is quiet: no toast stood, yet it
    # is not a new event.
    await rule.locator('button.test[data-channel="in_app"]').click()
    await market.wait_for_function("() => window.__signals.alerts === 2", timeout=20_000)
    state = await _signals(market)
    assert (state["beeps"], len(state["notifications"])) == (1, 1)
    assert errors == []
    await context.close()

    # Another browser: her choice follows her there, and that browser is asked only when she
    # clicks to allow it.
    other = await browser.new_context(viewport=VIEWPORTS["phone"])
    await other.add_init_script(COUNT_SIGNALS)
    page = await other.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/accounts/settings/")
    assert await page.is_checked("#notification-settings input[name=alert_browser_notifications]")
    allow = page.locator("#notification-settings button.allow-notifications")
    await allow.wait_for()
    assert (await _signals(page))["asked"] == 0
    await allow.click()
    await page.locator(
        "#notification-settings .notification-permission", has_text="Allowed in this browser."
    ).wait_for()
    assert (await _signals(page))["asked"] == 1
    assert errors == []
    await other.close()
