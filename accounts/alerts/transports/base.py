"""What every alert channel is: whether a rule wants it, whether it can send now, and `send`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from accounts.alerts.messages import Alert
from accounts.models import AlertRule


class DeliveryError(Exception):
    """A channel could not deliver; the message is shown to the user in their alert history.

    `retryable`: whether trying again later may help (a timeout, a 5xx), or not (a refused URL).
    """

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Attempt:
    """One attempt of one claimed delivery: `key` is its AlertEvent's idempotency key."""

    key: str
    delivery_id: str  # the claim's key, the same on every attempt (receivers dedupe on it)
    number: int
    sent_ms: int


class Transport:
    channel: ClassVar[str]
    retried: ClassVar[bool] = False  # failed attempts are tried again later (webhooks)

    def wanted(self, rule: AlertRule) -> bool:
        """The rule asks for this channel."""
        raise NotImplementedError

    def unavailable(self, rule: AlertRule) -> str | None:
        """Why this channel cannot deliver for this rule now (a skipped event), or None."""
        return None

    def send(self, rule: AlertRule, alert: Alert, attempt: Attempt) -> None:
        """Deliver, or raise DeliveryError."""
        raise NotImplementedError
