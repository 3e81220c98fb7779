"""Paper wallets and what was filled against them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MONEY = {"max_digits": 30, "decimal_places": 12}


class PaperWallet(models.Model):
    """A user's paper balance on one exchange in one settle currency, set by the user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_wallets")
    exchange = models.CharField(max_length=20)
    currency = models.CharField(max_length=16)
    balance = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exchange", "currency"], name="one_wallet_per_exchange_currency"),
            # The database, not the code, guarantees that concurrent executions never overdraw.
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="paper_wallet_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.exchange} {self.balance} {self.currency}"


class PaperExecution(models.Model):
    """Both legs of one pair, filled together or not at all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_executions")
    idempotency_key = models.CharField(max_length=80)
    buy_exchange = models.CharField(max_length=20)
    sell_exchange = models.CharField(max_length=20)
    size_base = models.DecimalField(**MONEY)
    executed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A retried request (same key) finds the first execution instead of filling twice.
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="one_execution_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.user} long {self.buy_exchange} short {self.sell_exchange} {self.size_base}"


class PaperFill(models.Model):
    execution = models.ForeignKey(PaperExecution, on_delete=models.CASCADE, related_name="fills")
    exchange = models.CharField(max_length=20)
    instrument = models.CharField(max_length=64)
    side = models.CharField(max_length=4, choices=[("buy", "buy"), ("sell", "sell")])
    price = models.DecimalField(**MONEY)
    size_base = models.DecimalField(**MONEY)
    notional = models.DecimalField(**MONEY)
    fee = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=16)
    # What `price` came from: the exchange's book of levels walked to the size (the average
    # price), or its top of book where no fresh book was known (paper.fills).
    priced_from = models.CharField(
        max_length=12, choices=[("depth", "depth"), ("top_of_book", "top of book")], default="top_of_book"
    )

    def __str__(self) -> str:
        return f"{self.side} {self.size_base} {self.instrument} on {self.exchange} at {self.price}"


class PaperPosition(models.Model):
    """A user's open size on one exchange and instrument (long > 0, short < 0)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_positions")
    exchange = models.CharField(max_length=20)
    instrument = models.CharField(max_length=64)
    size_base = models.DecimalField(**MONEY)
    entry_price = models.DecimalField(**MONEY)
    realised_pnl = models.DecimalField(**MONEY)  # settle currency, fees not included
    currency = models.CharField(max_length=16)
    # Funding booked to the wallet while held, settle currency: + earned, - paid (paper.funding).
    funding = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exchange", "instrument"], name="one_position_per_instrument")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.size_base} {self.instrument} on {self.exchange}"


class PaperLimits(models.Model):
    """How large a user lets their paper trades grow (empty: no limit), in settle currency."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_limits")
    max_pair_notional = models.DecimalField(null=True, blank=True, **MONEY)
    max_exchange_notional = models.DecimalField(
        null=True, blank=True, help_text="Open positions on one exchange, at entry", **MONEY
    )

    def __str__(self) -> str:
        return f"{self.user}: pair {self.max_pair_notional}, exchange {self.max_exchange_notional}"


class PaperEquityPoint(models.Model):
    """A user's total equity in one settle currency at one moment: balances plus open
    positions at their mark (paper.positions.equity). Recorded on each fill, each balance set,
    and on demand."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_equity")
    currency = models.CharField(max_length=16)
    equity = models.DecimalField(**MONEY)
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "recorded_at"], name="paper_equity_user_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.equity} {self.currency} at {self.recorded_at}"


class PaperFundingEvent(models.Model):
    """One funding event of an instrument on an exchange, as last announced before it was paid:
    the rate (positive: longs pay shorts) and the exchange's mid then, which every paper
    position held at `funding_ms` is paid or charged at. Frozen once `funding_ms` has passed."""

    exchange = models.CharField(max_length=20)
    instrument = models.CharField(max_length=64)
    funding_ms = models.BigIntegerField()
    rate = models.DecimalField(max_digits=20, decimal_places=12)
    mark_price = models.DecimalField(null=True, **MONEY)  # None: no quote seen before the event

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exchange", "instrument", "funding_ms"], name="one_funding_event")
        ]

    def __str__(self) -> str:
        return f"{self.exchange} {self.instrument} {self.rate} at {self.funding_ms}"


class PaperFundingPayment(models.Model):
    """What one funding event paid (amount > 0) or charged (< 0) one position, booked once."""

    position = models.ForeignKey(PaperPosition, on_delete=models.CASCADE, related_name="funding_payments")
    funding_ms = models.BigIntegerField()
    rate = models.DecimalField(max_digits=20, decimal_places=12)
    mark_price = models.DecimalField(**MONEY)
    size_base = models.DecimalField(**MONEY)  # signed, as held at funding_ms
    amount = models.DecimalField(**MONEY)  # settle currency
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A settlement run twice (or two at once) books each event on each position once.
            models.UniqueConstraint(fields=["position", "funding_ms"], name="one_funding_payment_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.amount} at {self.funding_ms}"
