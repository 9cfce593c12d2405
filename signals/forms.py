import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Debtor
from tenancy.models import Municipality


class PeriodField(forms.CharField):
    """A period typed as YYYY-MM, cleaned to the first day of that month."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            year, month = value.split("-")
            return datetime.date(int(year), int(month), 1)
        except ValueError as error:
            raise forms.ValidationError(_("Enter a period as YYYY-MM, e.g. 2026-01.")) from error


class StartRunForm(forms.Form):
    period = PeriodField(label=_("Period (YYYY-MM)"), widget=forms.TextInput(attrs={"maxlength": 7}))
    rerun = forms.BooleanField(label=_("Evaluate again if this period was evaluated before"), required=False)


class ExclusionChangeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"))
    ends_on = forms.DateField(label=_("Ends on"))

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The end date lies before the start date."))
        return cleaned


class ExclusionForm(ExclusionChangeForm):
    debtor_ref = forms.CharField(label=_("Debtor number"), max_length=50)

    field_order = ["debtor_ref", "reason", "starts_on", "ends_on"]

    def __init__(self, *args, municipality: Municipality, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.municipality = municipality

    def clean_debtor_ref(self) -> Debtor:
        ref = self.cleaned_data["debtor_ref"].strip()
        debtor = Debtor.objects.for_municipality(self.municipality).filter(debtor_ref=ref).first()
        if debtor is None:
            raise forms.ValidationError(_("There is no debtor with this number."))
        return debtor
