from __future__ import annotations

from django import forms

from feeds.configuration import exchange_names


class OpportunityFilterForm(forms.Form):
    min_net_spread_pct = forms.DecimalField(
        label="Min net spread %", required=False, min_value=-100, max_value=100, decimal_places=6
    )
    exchanges = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)
    instruments = forms.CharField(
        required=False, help_text="Canonical names, comma-separated (BTC/USDT:USDT, ETH/USDT:USDT)"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exchanges"].choices = list(exchange_names(enabled_only=True).items())

    def clean_instruments(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["instruments"].split(",") if name.strip()]
