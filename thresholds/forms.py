from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import defaults
from .models import ThresholdProfile

SIGNAL_TYPE_LABELS = {
    "INCOME_ABOVE_THRESHOLD": _("Income above threshold"),
    "INCOME_RISE": _("Income above threshold, rise"),
    "NEW_INCOME_SOURCE": _("New income source"),
    "INCOME_ABOVE_AFTER_DROP": _("Income above threshold after a drop"),
    "VOW_FOUND_ABOVE_NORM": _("Address-unknown debtor found, income above norm"),
    "VOW_FOUND_BELOW_NORM": _("Address-unknown debtor found, income below norm"),
    "ASSETS": _("Assets"),
    "VEHICLE": _("Vehicle"),
}

NOT_NEGATIVE = _("Enter an amount of 0 or more.")


def money_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={"min_value": NOT_NEGATIVE, "invalid": _("Enter an amount, e.g. 1500 or 1500,50.")},
        localize=True,
    )


class ThresholdProfileForm(forms.Form):
    """The thresholds of one category; the switches offer only the signal types that apply to it."""

    income_threshold = money_field(_("Income threshold (T), euro per month"))
    rise_abs = money_field(_("Required rise (R_abs), euro"))
    rise_pct = forms.DecimalField(
        label=_("Required rise (R_pct), percent"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(1000),
        localize=True,
        error_messages={
            "min_value": _("Enter a percentage from 0 to 1000."),
            "max_value": _("Enter a percentage from 0 to 1000."),
        },
    )
    persistence_months = forms.IntegerField(
        label=_("Persistence (N), months"),
        min_value=1,
        max_value=24,
        error_messages={
            "min_value": _("Persistence is at least 1 month."),
            "max_value": _("Persistence is at most 24 months."),
        },
    )
    lookback_months = forms.IntegerField(
        label=_("Look-back (L), months"),
        min_value=1,
        max_value=36,
        error_messages={
            "min_value": _("Look-back is at least 1 month."),
            "max_value": _("Look-back is at most 36 months."),
        },
    )
    vow_norm = money_field(_("VOW norm (V), euro per month"))
    asset_threshold = money_field(_("Asset threshold (A), euro"))
    vehicle_threshold = money_field(_("Vehicle value threshold (W), euro"))
    enabled_signal_types = forms.MultipleChoiceField(
        label=_("Signal types switched on"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, profile: ThresholdProfile, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {name: getattr(profile, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.profile = profile
        choices = [
            (t, SIGNAL_TYPE_LABELS[t])
            for t in defaults.SIGNAL_TYPES
            if t in defaults.APPLICABLE[profile.category]
        ]
        switches = self.fields["enabled_signal_types"]
        assert isinstance(switches, forms.MultipleChoiceField)
        switches.choices = choices

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        persistence, look_back = cleaned.get("persistence_months"), cleaned.get("lookback_months")
        if persistence is not None and look_back is not None and look_back < persistence:
            raise ValidationError(
                {"lookback_months": _("The look-back must be at least as long as the persistence.")}
            )
        return cleaned
