"""Email through Django's email backend (the console by default; SMTP from settings)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import BadHeaderError, send_mail

from accounts.alerts.messages import Alert
from accounts.alerts.transports.base import Attempt, DeliveryError, Transport
from accounts.email_verification import why_no_alert_email
from accounts.models import AlertEvent, AlertRule


class Email(Transport):
    channel = AlertEvent.Channel.EMAIL

    def wanted(self, rule: AlertRule) -> bool:
        return rule.notify_email

    def unavailable(self, rule: AlertRule) -> str | None:
        return why_no_alert_email(rule.user)

    def send(self, rule: AlertRule, alert: Alert, attempt: Attempt) -> None:
        try:
            sent = send_mail(alert.title, alert.text, settings.DEFAULT_FROM_EMAIL, [rule.user.email])
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"email not sent: {exc}") from exc
        except BadHeaderError as exc:
            raise DeliveryError(f"email not sent: {exc}", retryable=False) from exc
        if not sent:
            raise DeliveryError("the email backend sent nothing")
