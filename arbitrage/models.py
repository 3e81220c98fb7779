from __future__ import annotations

import uuid

from django.db import models


class Opportunity(models.Model):
    """One life of a cross-exchange opportunity: opened, its peak, closed. Not one row per tick."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.CharField(max_length=64, help_text="Coin and quote family, e.g. BTC/USD")
    buy_exchange = models.CharField(max_length=20)
    buy_instrument = models.CharField(max_length=64)
    sell_exchange = models.CharField(max_length=20)
    sell_instrument = models.CharField(max_length=64)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Written with every batch while open, so that a life left open by an engine that died is
    # closed (or resumed) from its last sighting, not from whenever someone noticed.
    last_seen_at = models.DateTimeField(help_text="The last tick that saw it; a closed life closed then")
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True)
    ticks = models.PositiveIntegerField(default=1)
    open_net_spread_pct = models.DecimalField(max_digits=14, decimal_places=8)
    peak_net_spread_pct = models.DecimalField(max_digits=14, decimal_places=8)
    peak_gross_spread_pct = models.DecimalField(max_digits=14, decimal_places=8)
    peak_size_base = models.DecimalField(max_digits=32, decimal_places=12)
    peak_profit_quote = models.DecimalField(max_digits=32, decimal_places=12)
    peak_buy_price = models.DecimalField(max_digits=32, decimal_places=12)
    peak_sell_price = models.DecimalField(max_digits=32, decimal_places=12)
    basis_risk = models.BooleanField(default=False)
    # The most profitable walk of both legs' books seen in its life, at the admin's fees
    # (arbitrage.depth_walk): what the top-of-book peak overstates. Null: never both books known.
    depth_size_base = models.DecimalField(
        max_digits=32,
        decimal_places=12,
        null=True,
        blank=True,
        help_text="The size of its most profitable depth walk, coins; null: both books never known",
    )
    depth_profit_quote = models.DecimalField(
        max_digits=32,
        decimal_places=12,
        null=True,
        blank=True,
        help_text="That walk's net profit at the admin's fees, quote currency; null: both books never known",
    )

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["opened_at"]),
            models.Index(fields=["group", "buy_exchange", "sell_exchange"]),
            models.Index(fields=["buy_instrument", "opened_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, duration_ms__isnull=True)
                | models.Q(closed_at__isnull=False, duration_ms__isnull=False),
                name="opportunity_closed_with_duration",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(closed_at=models.F("last_seen_at")),
                name="opportunity_closed_when_last_seen",
            ),
        ]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return f"{self.group} buy {self.buy_exchange} sell {self.sell_exchange} @ {self.opened_at:%Y-%m-%d %H:%M:%S}"
