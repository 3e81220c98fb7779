from django.contrib import admin

from arbitrage.models import Opportunity


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = (
        "group",
        "buy_exchange",
        "sell_exchange",
        "opened_at",
        "duration_ms",
        "peak_net_spread_pct",
        "peak_size_base",
        "depth_profit_quote",
        "close_reason",
    )
    list_filter = ("buy_exchange", "sell_exchange", "close_reason", "basis_risk")
    search_fields = ("group", "buy_instrument", "sell_instrument")
    date_hierarchy = "opened_at"
