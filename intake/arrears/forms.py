from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import ArrearsSettings, Result
from tenancy.models import PartnerType, Supplier

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One report per row; comma or semicolon; the column names of the API or their Dutch names."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB; use the API for large deliveries."), code="too_large"
            )
        return upload


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the system using it.")
    )


class CovenantForm(forms.Form):
    # A name rather than a list of every supplier: suppliers work with many municipalities, and one
    # municipality should not browse who the others have covenants with.
    supplier_name = forms.CharField(
        label=_("Supplier"), max_length=150, help_text=_("The exact name of a known supplier, or a new one.")
    )
    partner_type = forms.ChoiceField(
        label=_("Partner type (for a new supplier)"),
        choices=[("", "---------"), *PartnerType.choices],
        required=False,
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        name = (data.get("supplier_name") or "").strip()
        data["supplier"] = Supplier.objects.filter(name=name).first() if name else None
        if name and data["supplier"] is None and not data.get("partner_type"):
            self.add_error("partner_type", _("A new supplier needs a partner type."))
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end lies before the start."))
        return data


class ArrearsSettingsForm(forms.ModelForm):
    class Meta:
        model = ArrearsSettings
        fields = [
            "minimum_amount",
            "multiple_supplier_count",
            "term_days",
            "crisis_term_working_days",
            "partner_rules",
        ]

    def clean_partner_rules(self) -> dict:
        rules = self.cleaned_data["partner_rules"] or {}
        if not isinstance(rules, dict):
            raise forms.ValidationError(_("Give an object with a partner type per key."))
        for partner_type, values in rules.items():
            if partner_type not in PartnerType.values:
                raise forms.ValidationError(
                    _("%(type)s is not a DDAS partner type.") % {"type": partner_type}
                )
            if not isinstance(values, dict) or set(values) - {"min_age_days", "max_age_days", "min_amount"}:
                raise forms.ValidationError(
                    _("Per partner type only min_age_days, max_age_days and min_amount.")
                )
        return rules


class CloseCaseForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
