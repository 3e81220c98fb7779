from django.contrib import admin

from feeds.models import Instrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("instrument", "exchange", "symbol", "linear", "contract_size", "tick_size", "enabled", "listed")
    list_filter = ("exchange", "enabled", "listed", "linear", "settle")
    search_fields = ("instrument", "symbol", "base")
    list_editable = ("enabled",)
