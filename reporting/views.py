from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenancy.access import get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import Role
from workbaskets.models import WorkBasket, WorkItem
from workbaskets.selectors import baskets_visible_to, items_visible_to, visible_basket_or_404

from . import exports, letter_content, markup, pdf, readability, report_content, services
from . import figures as figures_module
from .forms import BatchForm, LetterForm, LetterTemplateForm, PeriodForm
from .models import Letter, LetterBatch, LetterTemplate, ManagementReport

LETTER_ROLES = (Role.CONSULTANT, Role.ADMINISTRATOR)
REPORT_ROLES = (Role.MANAGER, Role.ADMINISTRATOR)


# -- letter templates (administrators) ---------------------------------------------------------


@role_required(Role.ADMINISTRATOR)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = LetterTemplate.objects.for_municipality(request.municipality).current()  # type: ignore[attr-defined]
    rows = [(template, readability.score(template.body)) for template in templates]
    return render(request, "reporting/template_list.html", {"rows": rows})


def _preview_context(
    request: HttpRequest, template: LetterTemplate, data: Mapping[str, Any]
) -> dict[str, object]:
    municipality = request.municipality  # type: ignore[attr-defined]
    values = letter_content.sample_values(municipality, today=timezone.localdate())
    document = letter_content.letter_document(
        municipality=municipality,
        subject=data.get("subject", ""),
        body=data.get("body", ""),
        annex=data.get("annex", ""),
        values=values,
        logo=letter_content.logo_data_uri(municipality),
    )
    return {
        "template": template,
        "letter": document,
        "score": readability.score(data.get("body", "")),
        "unknown": markup.unknown_placeholders(
            " ".join(data.get(f, "") for f in ("subject", "body", "annex"))
        ),
        "thresholds": readability,
    }


@role_required(Role.ADMINISTRATOR)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_owned_or_404(LetterTemplate, request, pk=template_id)
    form = LetterTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        saved = services.save_letter_template(template=template, user=request.user, **form.cleaned_data)
        messages.success(request, _("Saved as version %(version)s.") % {"version": saved.version})
        return redirect("reporting:template-edit", template_id=saved.pk)
    versions = LetterTemplate.objects.for_municipality(request.municipality).filter(kind=template.kind)  # type: ignore[attr-defined]
    data = form.data if form.is_bound else {f: getattr(template, f) for f in ("subject", "body", "annex")}
    context = {
        "form": form,
        "versions": versions.select_related("created_by"),
        "placeholders": markup.PLACEHOLDERS | markup.BLOCK_PLACEHOLDERS,
        **_preview_context(request, template, data),
    }
    return render(request, "reporting/template_edit.html", context)


@require_POST
@role_required(Role.ADMINISTRATOR)
def template_preview(request: HttpRequest, template_id: int) -> HttpResponse:
    """The live preview of the editor (htmx): the letter with sample values and its readability."""
    template = get_owned_or_404(LetterTemplate, request, pk=template_id)
    return render(
        request, "reporting/_template_preview.html", _preview_context(request, template, request.POST)
    )


@role_required(Role.ADMINISTRATOR)
def template_sample_pdf(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_owned_or_404(LetterTemplate, request, pk=template_id)
    document = _preview_context(
        request, template, {"subject": template.subject, "body": template.body, "annex": template.annex}
    )["letter"]
    content = pdf.html_to_pdf(letter_content.render_letter_html(document))  # type: ignore[arg-type]
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="voorbeeld-{template.kind}-v{template.version}.pdf"'
    return response


# -- letters (consultants) ---------------------------------------------------------------------

# Consultants reach only the baskets and items granted to them or their team (workbaskets.selectors).


def _visible_items(request: HttpRequest) -> QuerySet[WorkItem]:
    return items_visible_to(user=request.user, membership=request.membership)  # type: ignore[attr-defined]


def _visible_baskets(request: HttpRequest) -> QuerySet[WorkBasket]:
    return baskets_visible_to(user=request.user, membership=request.membership)  # type: ignore[attr-defined]


@role_required(*LETTER_ROLES)
def item_letters(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(_visible_items(request), pk=item_id)
    form = LetterForm(request.POST or None, municipality=request.municipality)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        letter = services.write_letter(
            item=item, template=form.cleaned_data["template"], user=request.user, extra=form.extra_values()
        )
        messages.success(request, _("Letter written: %(name)s.") % {"name": letter.template.name})
        return redirect("reporting:item-letters", item_id=item.pk)
    letters = item.letters.select_related("template", "created_by")  # type: ignore[attr-defined]
    return render(request, "reporting/item_letters.html", {"item": item, "letters": letters, "form": form})


def _download(
    request: HttpRequest, obj: Letter | LetterBatch | ManagementReport, filename: str
) -> HttpResponse:
    if not obj.file:
        raise Http404("not ready")
    # A print file of 1,000 letters runs to tens of megabytes: stream it rather than load it.
    response = FileResponse(
        obj.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    return response  # type: ignore[return-value]  # views are typed HttpResponse by tenancy.access


@role_required(*LETTER_ROLES)
def letter_download(request: HttpRequest, letter_id: int) -> HttpResponse:
    letters = Letter.objects.filter(work_item__in=_visible_items(request)).select_related("work_item")
    letter = get_owned_or_404(letters, request, pk=letter_id)
    record_access(
        municipality=letter.municipality,
        action="download",
        request=request,
        obj=letter,
        person_ref=f"item-{letter.work_item_id}",
        work_item_id=letter.work_item_id,
    )
    return _download(request, letter, f"brief-{letter.pk}.pdf")


@require_POST
@role_required(*LETTER_ROLES)
def batch_create(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST, municipality=request.municipality)  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, _("Choose a letter for the batch."))
        return redirect("reporting:batch-list")
    items = _visible_items(request).exclude(status=WorkItem.Status.CLOSED)
    basket = None
    if form.cleaned_data.get("basket"):
        basket = visible_basket_or_404(request, form.cleaned_data["basket"])
        items = items.filter(basket=basket)
    else:
        items = items.filter(pk__in=form.item_ids())
    items = items.select_related("municipality", "case", "debtor").order_by("pk")
    if not items.exists():
        messages.error(request, _("No open work items were chosen."))
        return redirect("reporting:batch-list")
    batch = services.start_letter_batch(
        template=form.cleaned_data["template"],
        items=items,
        user=request.user,
        basket=basket,
        extra=form.extra_values(),
    )
    return redirect("reporting:batch-detail", batch_id=batch.pk)


@role_required(*LETTER_ROLES)
def batch_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    batches = LetterBatch.objects.for_municipality(municipality).select_related(
        "template", "basket", "created_by"
    )
    context = {
        "batches": batches[:50],
        "form": BatchForm(municipality=municipality),
        "baskets": _visible_baskets(request).filter(is_active=True),
    }
    return render(request, "reporting/batch_list.html", context)


@role_required(*LETTER_ROLES)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_owned_or_404(LetterBatch.objects.select_related("template"), request, pk=batch_id)
    name = "reporting/_batch_progress.html" if request.htmx else "reporting/batch_detail.html"  # type: ignore[attr-defined]
    return render(request, name, {"batch": batch})


@role_required(*LETTER_ROLES)
def batch_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_owned_or_404(LetterBatch, request, pk=batch_id)
    record_access(
        municipality=batch.municipality,
        action="download",
        request=request,
        obj=batch,
        detail={"letters": batch.letters_total},
    )
    return _download(request, batch, f"printbestand-{batch.pk}.pdf")


# -- management report (managers) --------------------------------------------------------------


def _period(request: HttpRequest) -> date:
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["period"]
    return figures_module.add_months(timezone.localdate().replace(day=1), -1)


@role_required(*REPORT_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    period = _period(request)
    figures = figures_module.management_figures(municipality=municipality, period=period)
    context = {
        "period": period,
        "figures": figures,
        "charts": report_content.report_charts(figures),
        **_reports(municipality),
    }
    return render(request, "reporting/dashboard.html", context)


def _reports(municipality: object) -> dict[str, object]:
    reports = list(ManagementReport.objects.for_municipality(municipality)[:24])  # type: ignore[arg-type]
    unfinished = {ManagementReport.Status.PENDING, ManagementReport.Status.RUNNING}
    return {"reports": reports, "is_polling": any(report.status in unfinished for report in reports)}


@role_required(*REPORT_ROLES)
def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/_report_list.html", _reports(request.municipality))  # type: ignore[attr-defined]


@require_POST
@role_required(*REPORT_ROLES)
def report_generate(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a month as YYYY-MM."))
        return redirect("reporting:dashboard")
    period = form.cleaned_data["period"]
    services.request_management_report(municipality=request.municipality, period=period, user=request.user)  # type: ignore[attr-defined]
    messages.info(request, _("The report is being made; it appears in the list below."))
    return redirect(f"{reverse('reporting:dashboard')}?period={period:%Y-%m}")


@role_required(*REPORT_ROLES)
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_owned_or_404(ManagementReport, request, pk=report_id)
    return _download(request, report, f"managementrapportage-{report.period:%Y-%m}.pdf")


@role_required(*REPORT_ROLES)
def export_csv(request: HttpRequest) -> HttpResponse:
    figures = figures_module.management_figures(municipality=request.municipality, period=_period(request))  # type: ignore[attr-defined]
    table = figures.tables.get(request.GET.get("table", ""))
    if table is None:
        return HttpResponseBadRequest("unknown table")
    response = HttpResponse(exports.figures_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.key}-{figures.period:%Y-%m}.csv"'
    return response


@role_required(*REPORT_ROLES)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    figures = figures_module.management_figures(municipality=request.municipality, period=_period(request))  # type: ignore[attr-defined]
    response = HttpResponse(
        exports.figures_xlsx(figures),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="managementrapportage-{figures.period:%Y-%m}.xlsx"'
    )
    return response
