"""What an alert says, on every channel, and the /ws `alert` message: one schema, used by the
sender, the tests and the README."""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import msgspec

from arbitrage.messages import OpportunityMessage
from lib.numbers import format_price, format_size

MAX_LATENCY_MS = 2**31 - 1  # what AlertEvent.latency_ms holds (a replayed, days-old opportunity)
ALERT_EVENT = "alert.message"  # handled by arbitrage.consumers.LiveFeedConsumer.alert_message


class Kind:
    OPPORTUNITY = "opportunity"
    TEST = "test"  # a made-up opportunity the user asked for, clearly marked
    WEBHOOK_PAUSED = "webhook_paused"  # the rule's webhook kept failing and was paused


class AlertData(msgspec.Struct, frozen=True):
    kind: str
    title: str
    text: str
    rule_id: int | None
    rule_name: str
    opportunity: OpportunityMessage | None
    sent_ms: int


class AlertMessage(msgspec.Struct, frozen=True, tag="alert", tag_field="type"):
    """{"type":"alert","data":{...}}: pushed over /ws to every open page of the rule's owner."""

    data: AlertData


alert_message_decoder = msgspec.json.Decoder(AlertMessage)
_encoder = msgspec.json.Encoder()


def _number(value) -> str:
    """A decimal string without trailing zeros: "2.910000" -> "2.91"."""
    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)
    return text


def _places(price) -> int:
    """The decimals a price is written with: "2298.97" -> 2."""
    try:
        exponent = Decimal(str(price)).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def one_line(text: str) -> str:
    """`text` without line breaks or control characters: a rule's name is the user's own text,
    and an email subject (or any header) with a newline in it is refused outright."""
    spaced = " ".join(str(text).split())
    return "".join(ch for ch in spaced if unicodedata.category(ch) != "Cc")


def _currency(instrument: str) -> str:
    """The quote currency of a canonical instrument: BTC/USDT:USDT -> USDT."""
    return instrument.split("/", 1)[-1].split(":", 1)[0]


@dataclass(frozen=True)
class Alert:
    """One thing to tell a rule's owner; `opportunity` holds OpportunityMessage's fields as JSON."""

    kind: str
    rule_id: int
    rule_name: str
    opportunity: dict
    detail: str = ""  # what went wrong, for a webhook_paused notice

    @property
    def opportunity_id(self) -> uuid.UUID:
        return uuid.UUID(str(self.opportunity["id"]))

    @property
    def test(self) -> bool:
        return self.kind == Kind.TEST

    @property
    def pair_key(self) -> str:
        """The pair whose alerts a rule's cooldown spaces out, across its opportunities."""
        o = self.opportunity
        return f"{o['buy_exchange']}:{o['buy_instrument']}>{o['sell_exchange']}:{o['sell_instrument']}"

    @property
    def title(self) -> str:
        """One line: an email's subject, a Telegram message's first line."""
        name = one_line(self.rule_name)
        if self.kind == Kind.WEBHOOK_PAUSED:
            return f"Webhook paused: {name}"
        o = self.opportunity
        net = _number(o["net_spread_pct"])
        title = f"{name}: {o['group']} {net} % net, {o['buy_exchange']} → {o['sell_exchange']}"
        return one_line(f"[TEST] {title}" if self.test else title)

    @property
    def text(self) -> str:
        if self.kind == Kind.WEBHOOK_PAUSED:
            return self.detail
        o = self.opportunity
        coin = str(o["group"]).split("/", 1)[0]
        currency = _currency(o["buy_instrument"])
        depth = o.get("depth")
        if depth:
            # The profit a trader can act on: both legs' books walked (README, Depth).
            # Averages to two places finer than the exchange's own prices: 12 decimals read as noise.
            places = _places(o["buy_price"]) + 2
            size_line = (
                f"Walking both books: {format_size(depth['size_base'], coin)} at "
                f"{format_price(depth['avg_buy_price'], places)} → {format_price(depth['avg_sell_price'], places)} "
                "on average "
                f"(slippage {_number(depth['buy_slippage_pct'])} % / {_number(depth['sell_slippage_pct'])} %), "
                f"{_number(depth['net_spread_pct'])} % net; profit {_number(depth['profit_quote'])} {currency}."
            )
        else:
            size_line = (
                f"Top of book (depth not known): {_number(o['size_base'])} {coin} executable; "
                f"estimated profit {_number(o['profit_quote'])} {currency}."
            )
        lines = [
            f"Buy {o['buy_instrument']} on {o['buy_exchange']} at {_number(o['buy_price'])}, "
            f"sell {o['sell_instrument']} on {o['sell_exchange']} at {_number(o['sell_price'])}.",
            f"Net spread {_number(o['net_spread_pct'])} % after taker fees at the top of book.",
            size_line,
            f"Alert rule: {one_line(self.rule_name)}.",
        ]
        funding = o.get("funding")
        if funding:
            lines.insert(
                2,
                f"Funding over {funding['hours']} h (long {funding['long']['exchange']}, short "
                f"{funding['short']['exchange']}): {_number(funding['funding_pct'])} %; "
                f"edge {_number(funding['edge_pct'])} %.",
            )
        if self.test:
            lines.insert(0, "TEST ALERT: you asked Arbsite for a test; this opportunity is made up.")
        return "\n".join(lines)

    def latency_ms(self, now_ms: int) -> int | None:
        """Opportunity opened to delivery; none for a test."""
        if self.kind != Kind.OPPORTUNITY:
            return None
        return min(max(now_ms - int(self.opportunity["opened_ms"]), 0), MAX_LATENCY_MS)

    def data(self, now_ms: int) -> AlertData:
        opportunity = None
        if self.kind != Kind.WEBHOOK_PAUSED:
            try:
                opportunity = msgspec.convert(self.opportunity, OpportunityMessage)
            except msgspec.ValidationError:  # queued by an engine of another version: the text says it all
                opportunity = None
        return AlertData(self.kind, self.title, self.text, self.rule_id, self.rule_name, opportunity, now_ms)

    def ws_text(self, now_ms: int) -> str:
        return _encoder.encode(AlertMessage(self.data(now_ms))).decode()

    def webhook_body(self, delivery_id: str) -> bytes:
        """The JSON a webhook receives; the same bytes on every attempt of one delivery."""
        body = {
            "type": self.kind,
            "delivery_id": delivery_id,
            "test": self.test,
            "rule": {"id": self.rule_id, "name": self.rule_name},
            "opportunity": self.opportunity,
        }
        return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def sample_opportunity(now_ms: int) -> dict:
    """A made-up opportunity, in OpportunityMessage's shape, for test alerts."""
    message = OpportunityMessage(
        id=uuid.uuid4().hex,
        group="BTC/USD",
        symbol="BTC/USDT:USDT",
        buy_exchange="binance",
        buy_instrument="BTC/USDT:USDT",
        buy_price=Decimal("43250.0"),
        sell_exchange="bybit",
        sell_instrument="BTC/USDT:USDT",
        sell_price=Decimal("43420.5"),
        spread=Decimal("170.5"),
        spread_percentage=Decimal("0.394220"),
        gross_spread_pct=Decimal("0.394220"),
        net_spread_pct=Decimal("0.289206"),
        size_base=Decimal("0.5"),
        profit_quote=Decimal("62.54"),
        potential_profit=Decimal("62.54"),
        profitable=True,
        basis_risk=False,
        opened_ms=now_ms,
        updated_ms=now_ms,
        ticks=1,
        peak_net_spread_pct=Decimal("0.289206"),
    )
    return msgspec.to_builtins(message)
