"""Browser pages of vroegsignalering: the supplier portal (tokens, CSV upload) and the municipality's
covenants, arrears settings and cases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intake.models import ArrearsCase
from tenancy import suppliers as supplier_services
from tenancy.access import get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import ApiToken, Covenant, Role, Supplier
from tenancy.services import revoke_api_token

from . import services
from .forms import ArrearsSettingsForm, CloseCaseForm, CovenantForm, TokenForm, UploadForm
from .upload import UploadError, read_reports


def suppliers_of(user: object) -> QuerySet[Supplier]:
    """Suppliers whose own administrator the user is."""
    return Supplier.objects.filter(memberships__user=user)


# Supplier portal: a supplier's own administrators; municipality roles play no part here.
@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    return render(request, "arrears/supplier_list.html", {"suppliers": suppliers_of(request.user)})


@login_required
def supplier_tokens(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = get_object_or_404(suppliers_of(request.user), pk=supplier_id)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = supplier_services.create_api_token(
            supplier=supplier, name=form.cleaned_data["name"], created_by=request.user
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(supplier=supplier).order_by("-created_at")
    return render(
        request,
        "arrears/supplier_tokens.html",
        {"supplier": supplier, "tokens": tokens, "form": form, "new_key": new_key},
    )


@require_POST
@login_required
def supplier_token_revoke(request: HttpRequest, supplier_id: int, token_id: int) -> HttpResponse:
    supplier = get_object_or_404(suppliers_of(request.user), pk=supplier_id)
    token = get_object_or_404(ApiToken.objects.filter(supplier=supplier), pk=token_id)
    revoke_api_token(token=token)
    messages.success(request, _("Token %(name)s is revoked.") % {"name": token.name})
    return redirect("intake:arrears-supplier-tokens", supplier_id=supplier.pk)


@login_required
def supplier_upload(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = get_object_or_404(suppliers_of(request.user), pk=supplier_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    outcomes = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_reports(form.cleaned_data["file"].read())
        except UploadError as error:
            form.add_error("file", str(error))
        else:
            outcomes = services.receive_arrears_reports(supplier=supplier, reports=rows)
    counts = None
    if outcomes is not None:
        counts = {
            name: sum(1 for o in outcomes if o.outcome == name) for name in ("created", "updated", "rejected")
        }
    # A refused file says so in the status too: 413 when too large, 400 when unreadable.
    status = 200
    if form.errors:
        status = 413 if form.has_error("file", "too_large") else 400
    return render(
        request,
        "arrears/supplier_upload.html",
        {"supplier": supplier, "form": form, "outcomes": outcomes, "counts": counts},
        status=status,
    )


# The municipality's side.
@role_required(Role.ADMINISTRATOR)
def covenant_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = CovenantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        supplier = data["supplier"] or supplier_services.create_supplier(
            name=data["supplier_name"], partner_type=data["partner_type"]
        )
        supplier_services.add_covenant(
            supplier=supplier,
            municipality=municipality,
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )
        messages.success(request, _("Covenant with %(supplier)s saved.") % {"supplier": supplier})
        return redirect("intake:arrears-covenant-list")
    covenants = Covenant.objects.for_municipality(municipality).select_related("supplier")
    return render(
        request,
        "arrears/covenant_list.html",
        {"covenants": covenants, "form": form, "today": timezone.localdate()},
    )


@require_POST
@role_required(Role.ADMINISTRATOR)
def covenant_end(request: HttpRequest, covenant_id: int) -> HttpResponse:
    covenant = get_owned_or_404(Covenant, request, pk=covenant_id)
    supplier_services.end_covenant(covenant=covenant)
    messages.success(request, _("Covenant with %(supplier)s ends today.") % {"supplier": covenant.supplier})
    return redirect("intake:arrears-covenant-list")


@role_required(Role.ADMINISTRATOR)
def arrears_settings(request: HttpRequest) -> HttpResponse:
    instance = services.arrears_settings(municipality=request.municipality)  # type: ignore[attr-defined]
    form = ArrearsSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Arrears settings saved."))
        return redirect("intake:arrears-settings")
    return render(request, "arrears/settings.html", {"form": form})


@role_required(Role.CONSULTANT, Role.ADMINISTRATOR, Role.MANAGER)
def case_list(request: HttpRequest) -> HttpResponse:
    cases = ArrearsCase.objects.for_municipality(request.municipality).order_by("due_date", "pk")  # type: ignore[attr-defined]
    status = request.GET.get("status", ArrearsCase.Status.OPEN)
    if status in ArrearsCase.Status.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request, "arrears/case_list.html", {"page": page, "status": status, "today": timezone.localdate()}
    )


@role_required(Role.CONSULTANT, Role.ADMINISTRATOR)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_owned_or_404(ArrearsCase.objects.select_related("debtor"), request, pk=case_id)
    record_access(
        municipality=case.municipality, request=request, action="view", obj=case, person_ref=f"case {case.pk}"
    )
    form = CloseCaseForm(request.POST or None)
    if request.method == "POST" and case.status == ArrearsCase.Status.OPEN and form.is_valid():
        services.close_case(case=case, result=form.cleaned_data["result"])
        messages.success(request, _("The case is closed."))
        return redirect("intake:arrears-case-detail", case_id=case.pk)
    return render(
        request,
        "arrears/case_detail.html",
        {
            "case": case,
            "reports": case.reports.select_related("supplier").order_by("signal_date", "pk"),
            "attempts": case.contact_attempts.all(),
            "form": form,
        },
    )
