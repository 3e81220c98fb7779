"""No page subscribes to everything: with every listed perpetual watched (the default), that is
~2,000 books. Each page opens /ws with its subscription in the URL (static/js/feed.js), and
the server answers what it took, in Chromium against `run_all --simulate`."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from tests.chromium import VIEWPORTS, log_in, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


async def _subscription_of(context, url: str) -> tuple[dict, dict]:
    """The query a fresh page of `url` opened /ws with, and the server's `subscribed` answer."""
    page = await context.new_page()
    answered: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
    opened: list[str] = []

    def on_websocket(ws) -> None:
        opened.append(ws.url)

        def on_frame(payload) -> None:
            message = json.loads(payload)
            if message.get("type") == "subscribed" and not answered.done():
                answered.set_result(message)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_websocket)
    await page.goto(url)
    async with asyncio.timeout(20):
        subscribed = await answered
    await page.close()
    [ws_url] = opened
    return {key: values[-1] for key, values in parse_qs(urlsplit(ws_url).query).items()}, subscribed


async def test_every_page_subscribes_to_what_it_shows_and_none_to_everything(demo, browser):
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    page = await context.new_page()
    await log_in(page, demo)
    await page.close()

    majors = sorted(settings.MAJOR_INSTRUMENTS)
    query, subscribed = await _subscription_of(context, demo["url"] + "/")
    assert (query["instruments"].split(","), query["opportunities"]) == (majors, "none")
    assert (subscribed["instruments"], subscribed["opportunities"]) == (majors, "none")

    query, subscribed = await _subscription_of(context, demo["url"] + "/opportunities/")
    assert (query.get("instruments", ""), query["opportunities"]) == ("", "all")
    assert (subscribed["instruments"], subscribed["opportunities"]) == ([], "all")

    query, subscribed = await _subscription_of(context, demo["url"] + "/instruments/ETH/USDT:USDT/")
    assert query["instruments"] == "ETH/USDT:USDT" and "opportunities" not in query
    assert (subscribed["instruments"], subscribed["opportunities"]) == (["ETH/USDT:USDT"], "instruments")

    query, subscribed = await _subscription_of(context, demo["url"] + "/accounts/settings/")
    assert (query.get("instruments", ""), query["opportunities"]) == ("", "none")
    assert (subscribed["instruments"], subscribed["opportunities"]) == ([], "none")
    await context.close()
