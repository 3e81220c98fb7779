"""Alerts for real: simulator, feed worker, engine, daphne and a Celery worker as separate
processes over Redis and PostgreSQL. A divergence injected through the simulator opens an
opportunity that alice's rule matches; she gets it exactly once on each channel: one signed
webhook call, one email, one Telegram message (to a local fake Bot API), one `alert` on her
logged-in /ws.

The webhook receiver listens on 127.0.0.1, which Arbsite refuses to call unless a lab allows
it: the children run with ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS=1 (the refusal itself is
tested in accounts/tests/test_webhook_alerts.py)."""

from __future__ import annotations

import asyncio
import json
import sys
from email import message_from_string, policy
from pathlib import Path

import aiohttp
import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections

from accounts.models import AlertEvent, AlertRule, TelegramLink
from tests.fake_servers import FakeTelegram, WebhookReceiver, verify_signature
from tests.processes import free_port, manage, start

DAPHNE = str(Path(sys.executable).with_name("daphne"))
TOKEN = "123456:e2e-token"
CHAT_ID = 4242
INSTRUMENT = "ETH/USDT:USDT"

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _alices_rule(alice, webhook_url: str) -> AlertRule:
    TelegramLink.objects.create(user=alice, chat_id=CHAT_ID, username="alice_tg")
    rule = AlertRule.objects.create(
        user=alice,
        name="eth gap",
        instruments=[INSTRUMENT],
        buy_exchanges=["binance"],
        sell_exchanges=["bybit"],
        # Far above the simulator's own random divergences (≤ 0.6 %): only the injected one.
        min_net_spread_pct="1.5",
        notify_in_app=True,
        notify_email=True,
        notify_telegram=True,
        webhook_url=webhook_url,
    )
    connections.close_all()  # sync_to_async's thread: let the test database go at the end
    return rule


def _events(rule_id: int) -> list[tuple[str, str]]:
    rows = sorted(AlertEvent.objects.filter(rule_id=rule_id).values_list("channel", "outcome"))
    connections.close_all()
    return rows


async def _live(ws) -> None:
    """Until both exchanges' quotes of the instrument arrive: the feeds and the engine run."""
    seen = set()
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] in ("snapshot", "price_update"):
            seen |= {quote["exchange"] for quote in message["data"] if quote["instrument"] == INSTRUMENT}
            if seen >= {"binance", "bybit"}:
                return


async def _first_alert(ws) -> dict:
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] == "alert":
            return message


async def test_an_injected_opportunity_is_alerted_once_on_every_channel(
    redis_url, postgres_url, alice, login_cookie, tmp_path
):
    test_db = connection.settings_dict["NAME"]
    env = {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": settings.REDIS_PREFIX,
        "DATABASE_URL": postgres_url.rsplit("/", 1)[0] + f"/{test_db}",
        "ARBSITE_INSTRUMENTS": INSTRUMENT,
        "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS": "1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "emails"),
    }
    cookie = (await login_cookie(alice)).decode()
    children = []
    with FakeTelegram(TOKEN) as telegram, WebhookReceiver() as receiver:
        env["TELEGRAM_API_URL"] = telegram.url
        rule = await sync_to_async(_alices_rule)(alice, f"{receiver.url}/arbsite")
        try:
            simulator = await start(
                "simulator",
                manage("simulate_exchanges", "--exchange", "binance", "--exchange", "bybit", "--port", "0"),
                env,
            )
            children.append(simulator)
            urls = {}
            for name in ("BINANCE_WS", "BINANCE_REST", "BYBIT_WS", "BYBIT_REST"):
                urls[name] = (await simulator.wait_for_line(rf"ARBSITE_{name}_URL=(\S+)", 30))[1]
            simulator.drain()
            feed_env = {**env, **{f"ARBSITE_{name}_URL": url for name, url in urls.items()}}
            port = free_port()
            worker_args = ["-m", "celery", "-A", "arbsite", "worker", "--pool=solo", "--purge", "--loglevel=INFO"]
            for name, args, child_env in (
                ("run_feeds", manage("run_feeds", "--exchange", "binance", "--exchange", "bybit"), feed_env),
                ("run_arbitrage", manage("run_arbitrage"), env),
                ("celery worker", [sys.executable, *worker_args, "--without-gossip", "--without-mingle"], env),
                ("daphne", [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "arbsite.asgi:application"], env),
            ):
                children.append(await start(name, args, child_env))
            worker, daphne = children[-2], children[-1]
            await worker.wait_for_line(r"celery@\S+ ready", 30)
            await daphne.wait_for_line(r"Listening on TCP address", 30)
            for child in children[1:]:
                child.drain()

            async with asyncio.timeout(45):
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws",
                    additional_headers={"Cookie": cookie},
                    origin=f"http://127.0.0.1:{port}",
                ) as ws:
                    await _live(ws)
                    async with aiohttp.ClientSession() as http:
                        injected = await http.post(
                            f"{urls['BYBIT_REST']}/_sim/divergence", json={"coin": "ETH", "bps": 300, "steps": 600}
                        )
                        assert injected.status == 200
                    alert = await _first_alert(ws)
                    [hook] = await receiver.await_for("POST", 1, 30)
                    [sent] = await telegram.await_for("sendMessage", 1, 30)
        except BaseException:
            for child in children:
                print(f"--- {child.name} ---", *child.output[-30:], sep="\n")
            raise
        finally:
            for child in children:
                await child.stop()  # the worker finishes the task in hand first

        assert len(receiver.calls) == 1 and len(telegram.calls_of("sendMessage")) == 1
        assert await sync_to_async(_events)(rule.id) == [
            ("email", "sent"),
            ("in_app", "sent"),
            ("telegram", "sent"),
            ("webhook", "sent"),
        ]

    opportunity = alert["data"]["opportunity"]
    assert alert["data"]["kind"] == "opportunity" and alert["data"]["rule_id"] == rule.id
    assert (opportunity["buy_exchange"], opportunity["sell_exchange"]) == ("binance", "bybit")
    assert float(opportunity["net_spread_pct"]) > 1.5

    assert verify_signature(rule.webhook_secret, hook.headers, hook.body)
    assert hook.params["opportunity"]["id"] == opportunity["id"]

    assert sent.params["chat_id"] == CHAT_ID and sent.params["text"].startswith("eth gap: ETH/USD")

    [email_file] = (tmp_path / "emails").iterdir()
    text = email_file.read_text()
    assert text.count("Subject: ") == 1  # the file backend appends every message of its run
    email = message_from_string(text, policy=policy.default)
    assert email["To"] == "alice@example.com"
    subject = email["Subject"].strip()  # folded after "Subject:" as it is encoded (the arrow)
    assert subject.startswith("eth gap: ETH/USD ") and subject.endswith(" % net, binance → bybit")
