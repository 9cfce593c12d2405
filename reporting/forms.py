from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import markup
from .models import LetterTemplate


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "subject", "body", "annex"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "utrecht-textbox"}),
            "subject": forms.TextInput(attrs={"class": "utrecht-textbox"}),
            "body": forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 24}),
            "annex": forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 10}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unknown = markup.unknown_placeholders(
            " ".join(str(data.get(field, "")) for field in ("subject", "body", "annex"))
        )
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s."), params={"names": ", ".join(unknown)}, code="unknown"
            )
        return data


class LetterForm(forms.Form):
    """Write one letter for a work item; visit date and time only matter for the visit letter."""

    template = forms.ModelChoiceField(
        label=_("Letter"),
        queryset=LetterTemplate.objects.none(),
        widget=forms.Select(attrs={"class": "utrecht-select"}),
    )
    visit_date = forms.DateField(
        label=_("Visit date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "utrecht-textbox"}),
    )
    visit_time = forms.CharField(
        label=_("Visit time"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox"}),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the newest version of each kind can be chosen; PROTECT keeps old ones for old letters.
        current = LetterTemplate.objects.for_municipality(municipality).current().values("pk")
        self.fields["template"].queryset = LetterTemplate.objects.filter(pk__in=current).order_by("kind")  # type: ignore[attr-defined]

    def extra_values(self) -> dict[str, str]:
        from .formatting import long_date

        visit_date: date | None = self.cleaned_data.get("visit_date")
        return {
            "bezoekdatum": long_date(visit_date) if visit_date else "",
            "bezoektijd": self.cleaned_data.get("visit_time", ""),
        }


class BatchForm(LetterForm):
    """A print batch: one letter for every open item of a basket, or for the items chosen."""

    basket = forms.IntegerField(required=False, widget=forms.HiddenInput)
    items = forms.CharField(
        required=False, widget=forms.HiddenInput, help_text=_("work item numbers, comma separated")
    )

    def item_ids(self) -> list[int]:
        raw = self.cleaned_data.get("items", "")
        return [int(part) for part in raw.replace(" ", "").split(",") if part.isdigit()]


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("Month"), widget=forms.TextInput(attrs={"type": "month", "class": "utrecht-textbox"})
    )

    def clean_period(self) -> date:
        value = self.cleaned_data["period"]
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(_("Give a month as YYYY-MM."), code="period") from error
