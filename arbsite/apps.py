from django.apps import AppConfig


class ArbsiteConfig(AppConfig):
    name = "arbsite"
    verbose_name = "Arbsite"

    def ready(self) -> None:
        from arbsite import openapi  # noqa: F401 - registers the OpenAPI extensions
