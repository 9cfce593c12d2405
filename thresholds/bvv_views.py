"""The BVV calculator (every member) and the repayment policy editor (administrators)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tenancy.access import ALL_ROLES, role_required
from tenancy.models import Role
from thresholds import bvv, bvv_services
from thresholds.bvv_forms import CalculatorForm, RepaymentPolicyForm
from thresholds.models.bvv import RepaymentPolicy


@role_required(*ALL_ROLES)
def calculator(request: HttpRequest) -> HttpResponse:
    form = CalculatorForm(request.GET or None, initial={"on": timezone.localdate()})
    calculation = refusal = capacity = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            parameters = bvv_services.parameters_on(data["on"])
        except bvv.NoBvvParameters:
            refusal = _("No BVV parameters for this date.")
        else:
            if data["is_on_bijstand"]:
                calculation = bvv.bijstand_beslagvrije_voet(
                    household=data["household"],
                    parameters=parameters,
                    other_income=data["other_income"] or bvv.ZERO,
                )
                monthly_income = calculation.norm
            else:
                calculation = bvv.beslagvrije_voet(
                    household=data["household"], yearly_income=form.yearly_income(), parameters=parameters
                )
                monthly_income = calculation.monthly_income
            capacity = bvv.repayment_capacity(
                monthly_income=monthly_income,
                norm=calculation.norm,
                bvv=calculation.bvv,
                terms=bvv_services.repayment_terms(municipality=request.municipality, on=data["on"]),  # type: ignore[attr-defined]
            )
    return render(
        request,
        "thresholds/bvv/calculator.html",
        {"form": form, "calculation": calculation, "refusal": refusal, "capacity": capacity},
    )


@role_required(Role.ADMINISTRATOR)
def repayment_policy(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = RepaymentPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        bvv_services.change_repayment_policy(
            municipality=municipality,
            user=request.user,  # type: ignore[arg-type]
            **form.cleaned_data,
        )
        messages.success(request, _("The repayment policy has been saved."))
        return redirect("thresholds:bvv-repayment-policy")
    history = RepaymentPolicy.objects.for_municipality(municipality).select_related("created_by")
    current = history.in_force_on(timezone.localdate())
    return render(
        request,
        "thresholds/bvv/repayment_policy.html",
        {
            "form": form,
            "history": history,
            "current": current,
            "terms": bvv.DEFAULT_REPAYMENT_TERMS if current is None else current.as_terms(),
        },
    )
