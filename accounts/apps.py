from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from accounts.live_connections import on_logged_out

        # A page's /ws connections end with its session, not at the next periodic check.
        user_logged_out.connect(on_logged_out, dispatch_uid="accounts.end_live_connections")
