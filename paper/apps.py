from django.apps import AppConfig


class PaperConfig(AppConfig):
    name = "paper"
    verbose_name = "Paper trading"

    def ready(self) -> None:
        # /ws fills `execute` messages through this handler: arbitrage never imports paper
        # (arbitrage.executions says why).
        from arbitrage.executions import register_connect_handler, register_execute_handler
        from paper.ws import connected, execute_message

        register_execute_handler(execute_message)
        register_connect_handler(connected)
