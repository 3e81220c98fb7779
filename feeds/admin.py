from django.contrib import admin

from feeds.models import Exchange, Instrument, TrackedInstrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = (
        "instrument",
        "exchange",
        "symbol",
        "linear",
        "contract_size",
        "tick_size",
        "qty_step_contracts",
        "enabled",
        "listed",
    )
    list_filter = ("exchange", "enabled", "listed", "linear", "settle")
    search_fields = ("instrument", "symbol", "base")
    list_editable = ("enabled",)


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "enabled", "taker_fee_pct", "maker_fee_pct", "max_quote_age_ms")
    list_editable = ("enabled", "taker_fee_pct", "maker_fee_pct", "max_quote_age_ms")


@admin.register(TrackedInstrument)
class TrackedInstrumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "instrument", "exchange", "symbol", "enabled", "added_at")
    list_filter = ("enabled", "exchange")
    list_editable = ("enabled",)
    search_fields = ("instrument", "symbol")
