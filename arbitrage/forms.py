from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms

from arbitrage.funding import DEFAULT_HOLDING_H, MAX_HOLDING_H, FundingFilter
from feeds.configuration import exchange_names

DEFAULT_NEAR_MISS_BPS = Decimal(10)


class OpportunityFilterForm(forms.Form):
    min_net_spread_pct = forms.DecimalField(
        label="Min net spread %", required=False, min_value=-100, max_value=100, decimal_places=6
    )
    min_profit_quote = forms.DecimalField(
        label="Min profit", required=False, min_value=0, decimal_places=8, help_text="In the quote currency"
    )
    min_size_base = forms.DecimalField(
        label="Min size", required=False, min_value=0, decimal_places=12, help_text="Coin units"
    )
    exchanges = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)
    instruments = forms.CharField(
        required=False, help_text="Canonical names, comma-separated (BTC/USDT:USDT, ETH/USDT:USDT)"
    )
    near_misses = forms.BooleanField(label="Show near misses", required=False)
    near_miss_bps = forms.DecimalField(
        label="within (bps)",
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        decimal_places=2,
        initial=DEFAULT_NEAR_MISS_BPS,
        help_text="Pairs this close to breaking even after fees",
        widget=forms.NumberInput(attrs={"step": "any", "placeholder": str(DEFAULT_NEAR_MISS_BPS)}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exchanges"].choices = list(exchange_names(enabled_only=True).items())

    def clean_instruments(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["instruments"].split(",") if name.strip()]

    def near_miss_distance_bps(self) -> Decimal | None:
        """The distance asked for when near misses are on (the default when left empty), else None."""
        if not self.is_valid() or not self.cleaned_data.get("near_misses"):
            return None
        return self.cleaned_data.get("near_miss_bps") or DEFAULT_NEAR_MISS_BPS


class ReplayForm(forms.Form):
    """A recorded period (UTC) and, optionally, one of the user's alert rules to replay with."""

    # A replay runs inside the request: longer periods go to `manage.py replay`.
    MAX_PERIOD = timedelta(hours=1)

    start = forms.DateTimeField(label="From (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label="To (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    rule = forms.ModelChoiceField(queryset=None, required=False, empty_label="All my active rules")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = user.alert_rules.all()

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end <= start:
                raise forms.ValidationError("“To” must come after “From”.")
            if end - start > self.MAX_PERIOD:
                raise forms.ValidationError("At most an hour here; `manage.py replay` takes any period.")
        return cleaned


class FundingForm(forms.Form):
    """The holding period the Funding page counts funding events over, bounded as the API's, and
    what it narrows the ranking to (arbitrage.funding.FundingFilter, as `/api/funding` takes it)."""

    hours = forms.IntegerField(
        label="Holding period (h)", required=False, min_value=1, max_value=MAX_HOLDING_H, initial=DEFAULT_HOLDING_H
    )
    q = forms.CharField(label="Coin or instrument", required=False, max_length=64)
    exchanges = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)
    min_daily_pct = forms.DecimalField(
        label="Min per day %", required=False, min_value=-100, max_value=100, decimal_places=8
    )
    positive_edge = forms.BooleanField(label="Only pairs whose edge pays", required=False)
    sort = forms.ChoiceField(
        label="Rank by",
        required=False,
        choices=[("daily", "funding per day"), ("edge", "edge over the holding period")],
        initial="daily",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exchanges"].choices = list(exchange_names(enabled_only=True).items())

    def holding_h(self) -> int | None:
        """The hours asked for when valid; None otherwise (the form shows why): the user's own then."""
        return self.cleaned_data.get("hours") if self.is_valid() else None

    def chosen(self) -> FundingFilter:
        """What the ranking is narrowed to; nothing when the form is not valid (it shows why)."""
        if not self.is_valid():
            return FundingFilter()
        data = self.cleaned_data
        return FundingFilter(
            exchanges=frozenset(data.get("exchanges") or ()),
            query=data.get("q") or "",
            min_daily_pct=data.get("min_daily_pct"),
            positive_edge=bool(data.get("positive_edge")),
            sort=data.get("sort") or "daily",
        )
