"""Serializers of the admin API over exchange and instrument settings."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from feeds.models import Exchange, Instrument
from lib.paging import PageQuery, page_serializer


class ExchangeOutput(serializers.ModelSerializer):
    class Meta:
        model = Exchange
        fields = ["id", "name", "enabled", "taker_fee_pct", "maker_fee_pct", "max_quote_age_ms"]
        read_only_fields = fields


def fee_pct_field(help_text: str, **kwargs) -> serializers.DecimalField:
    """A fee in percent of notional, 0 to 1, as the Exchange row stores it (5 decimals)."""
    return serializers.DecimalField(
        max_digits=8, decimal_places=5, min_value=Decimal(0), max_value=Decimal(1), help_text=help_text, **kwargs
    )


class ExchangePatch(serializers.Serializer):
    name = serializers.CharField(max_length=40, required=False)
    enabled = serializers.BooleanField(
        required=False, help_text="Off: no feed worker runs it, and the pages and /health do not expect it"
    )
    taker_fee_pct = fee_pct_field("Taker fee in percent of notional, e.g. 0.05", required=False)
    maker_fee_pct = fee_pct_field("Maker fee in percent of notional, e.g. 0.02", required=False)
    max_quote_age_ms = serializers.IntegerField(min_value=1, max_value=3_600_000, required=False)


class InstrumentOutput(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = [
            "id",
            "exchange",
            "symbol",
            "instrument",
            "base",
            "quote",
            "settle",
            "linear",
            "contract_size",
            "tick_size",
            "qty_step_contracts",
            "min_qty_contracts",
            "coin",
            "multiplier",
            "enabled",
            "listed",
            "updated_at",
        ]
        read_only_fields = fields


class InstrumentPatch(serializers.Serializer):
    enabled = serializers.BooleanField()


class InstrumentQuery(PageQuery):
    exchange = serializers.CharField(required=False, max_length=20)
    instrument = serializers.CharField(required=False, max_length=64, help_text="Canonical name")
    enabled = serializers.BooleanField(required=False, allow_null=True)
    listed = serializers.BooleanField(required=False, allow_null=True)


InstrumentPage = page_serializer(InstrumentOutput, "InstrumentPage")
