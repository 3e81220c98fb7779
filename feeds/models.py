from __future__ import annotations

from django.db import models

from feeds import types


class Instrument(models.Model):
    """An exchange's perpetual contract as last listed by the exchange; admin may disable one."""

    exchange = models.CharField(max_length=20)
    symbol = models.CharField(max_length=64)
    instrument = models.CharField(max_length=64, db_index=True, help_text="Canonical BASE/QUOTE:SETTLE")
    base = models.CharField(max_length=32)
    quote = models.CharField(max_length=16)
    settle = models.CharField(max_length=16)
    linear = models.BooleanField()
    contract_size = models.DecimalField(max_digits=30, decimal_places=12)
    tick_size = models.DecimalField(max_digits=30, decimal_places=12)
    coin = models.CharField(max_length=32, blank=True)
    multiplier = models.DecimalField(max_digits=20, decimal_places=6, default=1)
    qty_step_contracts = models.DecimalField(
        max_digits=30, decimal_places=12, default=0, help_text="Order quantity step, in contracts (0: not given)"
    )
    min_qty_contracts = models.DecimalField(
        max_digits=30, decimal_places=12, default=0, help_text="Smallest order, in contracts (0: not given)"
    )
    enabled = models.BooleanField(default=True)
    listed = models.BooleanField(default=True, help_text="Present in the exchange's latest instrument list")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exchange", "symbol"], name="unique_exchange_symbol")]
        ordering = ["instrument", "exchange"]

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol} ({self.instrument})"

    def to_value(self) -> types.Instrument:
        return types.Instrument(
            exchange=self.exchange,
            symbol=self.symbol,
            instrument=self.instrument,
            base=self.base,
            quote=self.quote,
            settle=self.settle,
            linear=self.linear,
            contract_size=self.contract_size.normalize(),
            tick_size=self.tick_size.normalize(),
            coin=self.coin,
            multiplier=self.multiplier.normalize(),
            qty_step_contracts=self.qty_step_contracts.normalize(),
            min_qty_contracts=self.min_qty_contracts.normalize(),
        )


class Exchange(models.Model):
    """Per-exchange settings an admin tunes: whether it runs at all (`enabled`: feeds.runner
    follows it), its taker and maker fees (users may set their own) and how old a quote may be to count."""

    id = models.CharField(primary_key=True, max_length=20)
    name = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    taker_fee_pct = models.DecimalField(
        max_digits=8, decimal_places=5, help_text="Taker fee in percent of notional, e.g. 0.05"
    )
    maker_fee_pct = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        default=0,
        help_text="Maker fee in percent of notional: the default of users' own fee tables",
    )
    max_quote_age_ms = models.PositiveIntegerField(
        default=5000, help_text="A quote older than this takes no part in opportunities"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TrackedInstrument(models.Model):
    """What the feed workers subscribe to: a canonical instrument on every exchange that lists
    it, or one exchange's own symbol. Empty table: settings.DEFAULT_WATCHED_INSTRUMENTS."""

    instrument = models.CharField(max_length=64, blank=True, help_text="Canonical, e.g. BTC/USDT:USDT")
    exchange = models.CharField(max_length=20, blank=True, help_text="With symbol: one exchange's own")
    symbol = models.CharField(max_length=64, blank=True, help_text="The exchange's own name, e.g. XBTUSDTM")
    enabled = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "exchange", "symbol"]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(instrument="") & models.Q(exchange="", symbol=""))
                | (models.Q(instrument="") & ~models.Q(exchange="") & ~models.Q(symbol="")),
                name="tracked_instrument_or_exchange_symbol",
            ),
            models.UniqueConstraint(fields=["instrument", "exchange", "symbol"], name="unique_tracked"),
        ]

    def __str__(self) -> str:
        return self.instrument or f"{self.exchange}:{self.symbol}"
