from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save, pre_save

        from accounts.live_connections import on_logged_out, on_user_saved, on_user_saving
        from accounts.tasks import queue_alert
        from arbitrage.alerting import register_alert_sender

        # The engine hands matched alerts to this sender: arbitrage never imports the delivery
        # side (arbitrage.alerting says why).
        register_alert_sender(queue_alert)

        # A page's /ws connections end with its session, and all of a user's with a password
        # change or deactivation, at once, not at the next periodic check.
        user_logged_out.connect(on_logged_out, dispatch_uid="accounts.end_live_connections")
        pre_save.connect(on_user_saving, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.access_ending")
        post_save.connect(on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.access_ended")
