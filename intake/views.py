from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenancy.access import get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import AuditLogEntry, Role

from . import services
from .forms import DeliveryUploadForm
from .models import Debtor, Delivery


@role_required(Role.ADMINISTRATOR)
def delivery_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    if request.method == "POST":
        form = DeliveryUploadForm(request.POST, request.FILES)
        if form.is_valid():
            delivery = services.receive_delivery(
                municipality=municipality,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"],
                file=form.cleaned_data["file"],
                created_by=request.user,
                strict=form.cleaned_data["strict"],
            )
            if delivery.status == Delivery.Status.DUPLICATE:
                messages.warning(request, delivery.message)
            return redirect("intake:delivery-detail", delivery_id=delivery.pk)
    else:
        form = DeliveryUploadForm(initial={"strict": municipality.strict_intake})
    deliveries = Delivery.objects.for_municipality(municipality).select_related("created_by")
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    return render(request, "intake/delivery_list.html", {"form": form, "page": page})


@role_required(Role.ADMINISTRATOR)
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_owned_or_404(Delivery, request, pk=delivery_id)
    return render(request, "intake/delivery_detail.html", {"delivery": delivery})


@role_required(Role.ADMINISTRATOR)
def delivery_progress(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_owned_or_404(Delivery, request, pk=delivery_id)
    return render(request, "intake/_delivery_progress.html", {"delivery": delivery})


@role_required(Role.ADMINISTRATOR)
def delivery_error_report(request: HttpRequest, delivery_id: int) -> FileResponse:
    delivery = get_owned_or_404(Delivery, request, pk=delivery_id)
    if not delivery.error_report:
        raise Http404(_("This delivery has no error report."))
    # The report repeats rejected values, BSNs among them: an export of personal data.
    record_access(
        municipality=delivery.municipality,
        action=AuditLogEntry.Action.DOWNLOAD,
        request=request,
        obj=delivery,
    )
    return FileResponse(
        delivery.error_report.open("rb"),
        as_attachment=True,
        filename=f"foutenrapport-levering-{delivery.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


@role_required(Role.CONSULTANT, Role.ADMINISTRATOR)
def debtor_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    debtors = Debtor.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
    if query:
        debtors = debtors.filter(Q(debtor_ref=query) | Q(last_name__istartswith=query))
    else:
        debtors = debtors.none()  # no browsing through everyone: search for a person
    page = Paginator(debtors.with_latest_period(), 50).get_page(request.GET.get("page"))
    return render(request, "intake/debtor_list.html", {"page": page, "query": query})


@role_required(Role.CONSULTANT, Role.ADMINISTRATOR)
def debtor_detail(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = get_owned_or_404(Debtor, request, pk=debtor_id)
    snapshots = debtor.snapshots.filter(municipality=debtor.municipality).order_by("-period")
    record_access(
        municipality=debtor.municipality,
        action=AuditLogEntry.Action.VIEW,
        request=request,
        obj=debtor,
        person_ref=debtor.debtor_ref,
    )
    return render(request, "intake/debtor_detail.html", {"debtor": debtor, "snapshots": snapshots})
