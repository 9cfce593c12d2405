from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class PeriodField(forms.CharField):
    """A period typed as YYYY-MM (the browser's month input), cleaned to the first of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-06"})

    def to_python(self, value: str | None) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            year, month = text.split("-")[:2]
            return date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(_("Give the period as YYYY-MM, e.g. 2026-06.")) from None


class DeliveryUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=Delivery.Kind.choices)
    period = PeriodField(label=_("Period"))
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    strict = forms.BooleanField(
        label=_("Strict: reject the whole file when any row has an error"), required=False
    )
