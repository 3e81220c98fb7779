from django.contrib import admin

from paper.active_users import paper_changed
from paper.models import (
    PaperEquityPoint,
    PaperExecution,
    PaperFill,
    PaperFundingEvent,
    PaperFundingPayment,
    PaperLimits,
    PaperPosition,
    PaperWallet,
)


class ActiveUserChanges(admin.ModelAdmin):
    """An edit here changes what the user's active-user entry holds (paper.active_users)."""

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        paper_changed(obj.user_id)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        paper_changed(obj.user_id)

    def delete_queryset(self, request, queryset) -> None:
        users = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in users:
            paper_changed(user_id)


@admin.register(PaperWallet)
class PaperWalletAdmin(ActiveUserChanges):
    list_display = ("user", "exchange", "currency", "balance")
    list_filter = ("exchange", "currency")
    search_fields = ("user__username",)


class PaperFillInline(admin.TabularInline):
    model = PaperFill
    extra = 0
    can_delete = False
    readonly_fields = (
        "exchange",
        "instrument",
        "side",
        "price",
        "size_base",
        "notional",
        "fee",
        "currency",
        "priced_from",
    )


@admin.register(PaperExecution)
class PaperExecutionAdmin(admin.ModelAdmin):
    list_display = ("user", "buy_exchange", "sell_exchange", "size_base", "executed_at")
    readonly_fields = ("user", "idempotency_key", "buy_exchange", "sell_exchange", "size_base", "executed_at")
    inlines = [PaperFillInline]


@admin.register(PaperPosition)
class PaperPositionAdmin(admin.ModelAdmin):
    """Every user's positions, read-only: only fills (paper.execution) and funding change them,
    each beside the wallet it moves."""

    list_display = ("user", "exchange", "instrument", "size_base", "entry_price", "realised_pnl", "funding", "currency")
    list_filter = ("exchange", "currency")
    search_fields = ("user__username", "instrument")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PaperLimits)
class PaperLimitsAdmin(ActiveUserChanges):
    list_display = ("user", "max_pair_notional", "max_exchange_notional")


@admin.register(PaperEquityPoint)
class PaperEquityPointAdmin(admin.ModelAdmin):
    list_display = ("user", "currency", "equity", "recorded_at")
    list_filter = ("currency",)
    search_fields = ("user__username",)
    readonly_fields = ("user", "currency", "equity", "recorded_at")


@admin.register(PaperFundingEvent)
class PaperFundingEventAdmin(admin.ModelAdmin):
    list_display = ("exchange", "instrument", "funding_ms", "rate", "mark_price")
    list_filter = ("exchange",)
    readonly_fields = ("exchange", "instrument", "funding_ms", "rate", "mark_price")


@admin.register(PaperFundingPayment)
class PaperFundingPaymentAdmin(admin.ModelAdmin):
    """Every user's funding payments, read-only: they are booked once, by paper.funding_settlement."""

    list_display = ("position", "funding_ms", "rate", "mark_price", "size_base", "amount", "booked_at")
    search_fields = ("position__user__username",)
    readonly_fields = ("position", "funding_ms", "rate", "mark_price", "size_base", "amount", "booked_at")
