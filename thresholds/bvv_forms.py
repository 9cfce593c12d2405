from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thresholds.bvv import HouseholdType
from thresholds.models.bvv import RepaymentPolicy

HOUSEHOLD_CHOICES = [
    (HouseholdType.SINGLE, _("Single (alleenstaand)")),
    (HouseholdType.SINGLE_PARENT, _("Single parent (alleenstaande ouder)")),
    (HouseholdType.COUPLE, _("Couple (gehuwd of samenwonend)")),
    (HouseholdType.COUPLE_CHILDREN, _("Couple with children (gehuwd met kinderen)")),
]


class IncomePeriod:
    YEARLY = "yearly"
    MONTHLY = "monthly"
    CHOICES = [(YEARLY, _("per year (C)")), (MONTHLY, _("per month"))]


class CalculatorForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), choices=HOUSEHOLD_CHOICES, coerce=HouseholdType)
    income = forms.DecimalField(
        label=_("Taxable income"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        localize=True,
        required=False,
        help_text=_("Not needed for a debtor on bijstand."),
    )
    income_period = forms.ChoiceField(
        label=_("Income is"),
        choices=IncomePeriod.CHOICES,
        initial=IncomePeriod.YEARLY,
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    is_on_bijstand = forms.BooleanField(label=_("Receives a municipal benefit (bijstand)"), required=False)
    other_income = forms.DecimalField(
        label=_("Other monthly income besides the benefit"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
        localize=True,
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if (
            not cleaned.get("is_on_bijstand")
            and cleaned.get("income") is None
            and "income" not in self.errors
        ):
            self.add_error("income", _("Enter the income."))
        return cleaned

    def yearly_income(self) -> Decimal:
        income: Decimal = self.cleaned_data["income"]
        return income * 12 if self.cleaned_data["income_period"] == IncomePeriod.MONTHLY else income


class RepaymentPolicyForm(forms.ModelForm):
    class Meta:
        model = RepaymentPolicy
        fields = ["valid_from", "norm_percentage", "excess_percentage", "reason"]
        localized_fields = ["norm_percentage", "excess_percentage"]
        # A browser's date input reads and sends ISO dates, whatever the language.
        widgets = {"valid_from": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["valid_from"].initial = timezone.localdate()
