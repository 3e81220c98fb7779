"""Input (query) and output serializers of the arbitrage API: small, one per operation."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arbitrage.funding import DEFAULT_HOLDING_H, FUNDING_SORTS, MAX_HOLDING_H
from arbitrage.messages import OpportunityFunding, OpportunityMessage, QuoteMessage
from arbitrage.models import Opportunity
from arbitrage.queries import known_instruments
from feeds.symbols import UnknownExchange, UnknownSymbol, canonical_form, resolve_exchange, resolve_symbol
from lib.openapi import struct_field, struct_ref
from lib.paging import PageQuery, page_serializer

QuoteField = struct_field(QuoteMessage)
NullableQuoteField = struct_field(QuoteMessage, nullable=True)
OpportunityField = struct_field(OpportunityMessage)
NullableOpportunityField = struct_field(OpportunityMessage, nullable=True)


@extend_schema_field(
    {
        "allOf": [
            struct_ref(OpportunityMessage),
            {
                "type": "object",
                "required": ["funding"],
                "properties": {
                    "funding": {
                        **struct_ref(OpportunityFunding, nullable=True),
                        "description": "Long where it buys, short where it sells, held `hours`; "
                        "null unless both legs have a funding record",
                    }
                },
            },
        ]
    }
)
class OpportunityWithFundingField(serializers.Field):
    """An open opportunity as the cache holds it, with its `funding` leg (arbitrage.queries.with_funding)."""

    def to_representation(self, value: OpportunityMessage):
        return msgspec.to_builtins(value)


# --- query parameters -------------------------------------------------------------------------
class ExchangesField(serializers.ListField):
    """`exchange=binance&exchange=bybit` or `exchange=binance,bybit`: known exchange ids."""

    child = serializers.CharField(max_length=200)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "Exchange ids, repeated or comma-separated: either leg on one of them")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> set[str]:
        names = [name for item in super().to_internal_value(data) for name in item.split(",") if name.strip()]
        try:
            return {resolve_exchange(name) for name in names}
        except UnknownExchange as exc:
            raise serializers.ValidationError(str(exc)) from exc


def _spread(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(required=False, min_value=-100, max_value=100, **kwargs)


def _limit(default: int) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, default=default, min_value=1, max_value=1000, help_text="At most this many"
    )


def _holding_h(what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_HOLDING_H,
        help_text=f"Holding period, hours{' ' + what if what else ''}; default: the caller's own "
        f"(GET /api/settings, {DEFAULT_HOLDING_H} unless changed)",
    )


class PricesQuery(serializers.Serializer):
    exchange = ExchangesField()
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=10000, help_text="At most this many instruments"
    )


class SymbolPricesQuery(serializers.Serializer):
    exchange = ExchangesField()


class ArbitrageQuery(serializers.Serializer):
    min_spread = _spread(
        help_text="Minimum net spread (after both taker fees, the caller's own), percent; "
        "default: the caller's own minimum (GET /api/settings), none unless set"
    )
    min_size = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1e12,
        help_text="Minimum executable size, coin units: the depth walk's (`depth.size_base`) where both "
        "books are known, else both tops of book's (`size_base`)",
    )
    exchange = ExchangesField()
    limit = _limit(100)
    hours = _holding_h("for each opportunity's funding leg")
    near_miss_bps = serializers.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        max_digits=8,
        decimal_places=2,
        help_text="Also list near misses: pairs at or below break-even, within this many basis points "
        "of it (`near_misses`, closest first; exchange, min_size and limit apply to them too)",
    )

    def validate_min_spread(self, value: float) -> Decimal:
        return Decimal(str(value))

    def validate_min_size(self, value: float) -> Decimal:
        return Decimal(str(value))


class FundingQuery(serializers.Serializer):
    hours = _holding_h("")
    exchange = ExchangesField()
    q = serializers.CharField(
        required=False,
        max_length=64,
        help_text="A coin or instrument, as the Prices search takes it (`pepe`, `BTC/USD`)",
    )
    min_daily_pct = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, help_text="Minimum funding differential per day, percent"
    )
    positive_edge = serializers.BooleanField(
        required=False, default=False, help_text="Only pairs whose entry plus funding over `hours` pays"
    )
    sort = serializers.ChoiceField(
        choices=FUNDING_SORTS, required=False, default="daily", help_text="daily: funding per day; edge: over `hours`"
    )
    limit = _limit(100)


class SummaryQuery(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="History from this time (ISO 8601); default 24 h ago")
    limit = _limit(200)


class HistoryQuery(PageQuery):
    since = serializers.DateTimeField(required=False, help_text="Opened at or after (ISO 8601)")
    until = serializers.DateTimeField(required=False, help_text="Opened before (ISO 8601)")
    symbol = serializers.CharField(required=False, max_length=64, help_text="Either leg trades this symbol")
    exchange = ExchangesField()
    min_spread = _spread(help_text="Minimum peak net spread, percent")
    state = serializers.ChoiceField(choices=["open", "closed"], required=False)

    def validate_symbol(self, value: str) -> str:
        """Any form the lists know, or a canonical name no longer listed (history outlives listings)."""
        try:
            return resolve_symbol(value, known_instruments())
        except UnknownSymbol as exc:
            if canonical := canonical_form(value):
                return canonical
            raise serializers.ValidationError(str(exc)) from exc

    def validate_min_spread(self, value: float) -> Decimal:
        return Decimal(str(value))

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "must be after since"})
        return attrs


# --- output ---------------------------------------------------------------------------------
class PricesSerializer(serializers.Serializer):
    prices = serializers.DictField(
        child=serializers.DictField(child=QuoteField()), help_text="instrument -> exchange -> quote"
    )
    count = serializers.IntegerField(help_text="Instruments matched, before the limit")
    timestamp = serializers.DateTimeField()


class SymbolPricesSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="Canonical name")
    prices = serializers.DictField(child=QuoteField(), help_text="exchange -> quote")
    timestamp = serializers.DateTimeField()


class BestSideSerializer(serializers.Serializer):
    exchange = serializers.CharField()
    price = serializers.DecimalField(max_digits=None, decimal_places=None)
    size = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="Coin units")
    timestamp = serializers.IntegerField(help_text="Exchange time, ms")
    stale = serializers.BooleanField(help_text="Older than the exchange's max quote age")


class BestPricesSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    best_bid = BestSideSerializer(allow_null=True, help_text="Highest bid: where to sell")
    best_ask = BestSideSerializer(allow_null=True, help_text="Lowest ask: where to buy")
    spread = serializers.DecimalField(
        max_digits=None, decimal_places=None, allow_null=True, help_text="best bid - best ask"
    )
    spread_percentage = serializers.DecimalField(
        max_digits=None, decimal_places=None, allow_null=True, help_text="spread / best ask, percent, before fees"
    )
    exchanges = serializers.IntegerField(help_text="Exchanges quoting the symbol")
    timestamp = serializers.DateTimeField()


class ExchangeNowSerializer(serializers.Serializer):
    instruments = serializers.IntegerField()
    last_update_ms = serializers.IntegerField()


class HistoryRowSerializer(serializers.Serializer):
    group = serializers.CharField()
    buy_exchange = serializers.CharField()
    sell_exchange = serializers.CharField()
    count = serializers.IntegerField()
    best_net_spread_pct = serializers.DecimalField(max_digits=14, decimal_places=8)
    median_duration_ms = serializers.IntegerField(allow_null=True)


class SummarySerializer(serializers.Serializer):
    total_symbols = serializers.IntegerField()
    total_exchanges = serializers.IntegerField()
    total_quotes = serializers.IntegerField()
    exchanges = serializers.DictField(child=ExchangeNowSerializer())
    open_opportunities = serializers.IntegerField()
    best_opportunity = NullableOpportunityField()
    since = serializers.DateTimeField()
    history = HistoryRowSerializer(many=True, help_text="Per market and exchange pair since `since`")
    timestamp = serializers.DateTimeField()


class NearMissSerializer(serializers.Serializer):
    """A pair that would open with a few basis points more: buy at the ask, sell at the bid."""

    group = serializers.CharField(help_text="Coin and quote family, e.g. BTC/USD")
    symbol = serializers.CharField(help_text="The buy leg's canonical instrument")
    buy_exchange = serializers.CharField()
    buy_instrument = serializers.CharField()
    buy_price = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="Per coin")
    sell_exchange = serializers.CharField()
    sell_instrument = serializers.CharField()
    sell_price = serializers.DecimalField(max_digits=None, decimal_places=None)
    gross_spread_pct = serializers.DecimalField(max_digits=None, decimal_places=None)
    net_spread_pct = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="After both taker fees; 0 or less"
    )
    to_break_even_bps = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="How far the net spread is below zero, basis points"
    )
    size_base = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="Coin units at both tops")
    basis_risk = serializers.BooleanField()
    quote_age_ms = serializers.IntegerField(help_text="The older leg's age")


class OpportunitiesSerializer(serializers.Serializer):
    opportunities = serializers.ListField(
        child=OpportunityWithFundingField(), help_text="Best net spread first, each with its funding leg"
    )
    count = serializers.IntegerField(help_text="Matched, before the limit")
    near_misses = NearMissSerializer(
        many=True, required=False, help_text="Only with ?near_miss_bps=: closest to break-even first"
    )
    near_miss_count = serializers.IntegerField(required=False, help_text="Near misses matched, before the limit")
    timestamp = serializers.DateTimeField()


class SymbolOpportunitiesSerializer(OpportunitiesSerializer):
    symbol = serializers.CharField()


class SpreadDirectionSerializer(serializers.Serializer):
    buy_exchange = serializers.CharField()
    sell_exchange = serializers.CharField()
    buy_price = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="Per coin")
    sell_price = serializers.DecimalField(max_digits=None, decimal_places=None)
    spread = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="sell_price - buy_price")
    spread_percentage = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="Gross")
    gross_spread_pct = serializers.DecimalField(max_digits=None, decimal_places=None)
    net_spread_pct = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="After both taker fees")
    size_base = serializers.DecimalField(max_digits=None, decimal_places=None)
    profit_quote = serializers.DecimalField(max_digits=None, decimal_places=None)
    potential_profit = serializers.DecimalField(max_digits=None, decimal_places=None)
    profitable = serializers.BooleanField()
    basis_risk = serializers.BooleanField()
    stale = serializers.BooleanField()


class SpreadSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    exchange1 = serializers.CharField()
    exchange2 = serializers.CharField()
    exchange1_quote = NullableQuoteField()
    exchange2_quote = NullableQuoteField()
    spreads = SpreadDirectionSerializer(many=True, help_text="Buy on one, sell on the other; best first")
    best = SpreadDirectionSerializer(allow_null=True)
    timestamp = serializers.DateTimeField()


class OpportunityRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id",
            "group",
            "buy_exchange",
            "buy_instrument",
            "sell_exchange",
            "sell_instrument",
            "opened_at",
            "closed_at",
            "last_seen_at",
            "duration_ms",
            "close_reason",
            "ticks",
            "open_net_spread_pct",
            "peak_net_spread_pct",
            "peak_gross_spread_pct",
            "peak_size_base",
            "peak_profit_quote",
            "peak_buy_price",
            "peak_sell_price",
            "basis_risk",
            "depth_size_base",
            "depth_profit_quote",
        ]
        read_only_fields = fields


OpportunityHistorySerializer = page_serializer(OpportunityRecordSerializer, "OpportunityHistoryPage")


class ApiRootSerializer(serializers.Serializer):
    message = serializers.CharField()
    version = serializers.CharField()
    endpoints = serializers.DictField(child=serializers.CharField())
    websocket = serializers.CharField()
    docs = serializers.CharField()
    schema = serializers.CharField()
    timestamp = serializers.DateTimeField()


def _exact(help_text: str = "", **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=None, help_text=help_text, **kwargs)


class FundingLegSerializer(serializers.Serializer):
    exchange = serializers.CharField()
    instrument = serializers.CharField()
    rate = _exact("Per funding event, as a fraction; positive: longs pay shorts")
    interval_h = serializers.IntegerField(help_text="Hours between this instrument's funding events")
    next_funding_ms = serializers.IntegerField(help_text="The next funding event, Unix ms")
    countdown_ms = serializers.IntegerField(help_text="Until the next funding event")
    events = serializers.IntegerField(help_text="Funding events in the holding period")
    funding_pct = _exact("What this leg earns over the holding period, percent (negative: pays)")


class FundingPairSerializer(serializers.Serializer):
    market = serializers.CharField(help_text="Coin and quote family, e.g. BTC/USD")
    long = FundingLegSerializer(help_text="Bought, held long")
    short = FundingLegSerializer(help_text="Sold, held short")
    hours = serializers.IntegerField()
    funding_pct = _exact("Both legs over the holding period, percent of the position")
    daily_pct = _exact("Funding differential per day at the current rates, percent")
    annual_pct = _exact("daily_pct × 365")
    entry_net_spread_pct = _exact(
        "Entry cost: buy the long leg at its ask, sell the short at its bid, after taker fees; null when unquoted",
        allow_null=True,
    )
    edge_pct = _exact("entry_net_spread_pct + funding_pct; null when unquoted", allow_null=True)
    basis_risk = serializers.BooleanField(help_text="The legs are quoted in different currencies")


class FundingSerializer(serializers.Serializer):
    pairs = FundingPairSerializer(many=True, help_text="Best funding per day first")
    count = serializers.IntegerField(help_text="Matched, before the limit")
    hours = serializers.IntegerField()
    now_ms = serializers.IntegerField(help_text="What the countdowns count from")
    timestamp = serializers.DateTimeField()
