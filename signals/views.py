import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenancy.access import ALL_ROLES, get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import Role
from thresholds.forms import SIGNAL_TYPE_LABELS, ThresholdProfileForm
from thresholds.models import ThresholdProfile

from . import exclusions, services, what_if
from .forms import ExclusionChangeForm, ExclusionForm, StartRunForm
from .models import DebtorExclusion, EvaluationRun, Signal, SignalType, WhatIf

RUN_READERS = (Role.ADMINISTRATOR, Role.MANAGER)


@role_required(*RUN_READERS)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = EvaluationRun.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
    return render(request, "signals/run_list.html", {"runs": runs[:36], "form": StartRunForm()})


@require_POST
@role_required(Role.ADMINISTRATOR)
def run_start(request: HttpRequest) -> HttpResponse:
    form = StartRunForm(request.POST)
    if not form.is_valid():
        runs = EvaluationRun.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
        return render(request, "signals/run_list.html", {"runs": runs[:36], "form": form}, status=400)
    run = services.start_run(
        municipality=request.municipality,  # type: ignore[attr-defined]
        period=form.cleaned_data["period"],
        rerun=form.cleaned_data["rerun"],
    )
    messages.success(request, _("The run has started."))
    return redirect(run)


def comparison(run: EvaluationRun, previous: EvaluationRun | None) -> list[dict]:
    """Rows of counts per type and category, next to the previous period's run."""
    before = previous.counts if previous else {}
    rows = []
    for signal_type in SignalType:
        for category in ("payer", "non_payer", "vow"):
            now = run.counts.get(signal_type.value, {}).get(category, 0)
            then = before.get(signal_type.value, {}).get(category, 0)
            if now or then:
                rows.append(
                    {
                        "type": signal_type.label,
                        "category": category,
                        "now": now,
                        "before": then,
                        "change": now - then,
                    }
                )
    return rows


@role_required(*RUN_READERS)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_owned_or_404(EvaluationRun, request, pk=run_id)
    previous = (
        EvaluationRun.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
        .filter(period__lt=run.period, status=EvaluationRun.Status.FINISHED)  # a failed run counted nothing
        .order_by("-period")
        .first()
    )
    context = {"run": run, "rows": comparison(run, previous), "previous": previous}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "signals/_run_progress.html", context)
    return render(request, "signals/run_detail.html", context)


class Echo:
    def write(self, value: str) -> str:
        return value


@role_required(*RUN_READERS)  # type: ignore[arg-type]
def run_export(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    run = get_owned_or_404(EvaluationRun, request, pk=run_id)
    record_access(
        municipality=request.municipality,  # type: ignore[attr-defined]
        action="export",
        request=request,
        obj=run,
        detail={"period": f"{run.period:%Y-%m}", "what": "signals csv"},
    )
    writer = csv.writer(Echo())
    rows = services.export_rows(municipality=request.municipality, period=run.period)  # type: ignore[attr-defined]
    lines = (writer.writerow(row) for row in [services.EXPORT_COLUMNS, *rows])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="signalen-{run.period:%Y-%m}.csv"'
    return response


@role_required(*ALL_ROLES)
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = get_owned_or_404(Signal.objects.select_related("debtor"), request, pk=signal_id)
    record_access(
        municipality=request.municipality,  # type: ignore[attr-defined]
        action="view",
        request=request,
        obj=signal,
        person_ref=signal.debtor.debtor_ref,
    )
    return render(request, "signals/signal_detail.html", {"signal": signal})


@require_POST
@role_required(Role.ADMINISTRATOR)
def threshold_preview(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Start counting what changed thresholds would have given for the last evaluated period; save nothing."""
    profile = get_owned_or_404(ThresholdProfile, request, pk=profile_id)
    form = ThresholdProfileForm(request.POST, profile=profile)
    context: dict = {"profile": profile, "form": form}
    if not form.is_valid():
        return render(request, "thresholds/profile_form.html", context, status=400)
    started = what_if.start_what_if(profile=profile, values=form.cleaned_data, user=request.user)
    if started is None:
        context["no_period"] = True
    else:
        started.refresh_from_db()  # without a broker the task has run in-process already
        context.update(what_if_context(started))
    return render(request, "thresholds/profile_form.html", context)


def what_if_context(job: WhatIf) -> dict:
    rows = [
        {"type": t, "label": SIGNAL_TYPE_LABELS[t], "actual": job.actual_counts[t], "new": job.counts[t]}
        for t in job.counts
    ]
    return {"what_if": job, "preview": {"period": job.period, "rows": rows}}


@role_required(Role.ADMINISTRATOR)
def what_if_detail(request: HttpRequest, what_if_id: int) -> HttpResponse:
    job = get_owned_or_404(WhatIf, request, pk=what_if_id)
    return render(request, "thresholds/_what_if.html", what_if_context(job))


@role_required(Role.ADMINISTRATOR)
def exclusion_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = ExclusionForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        exclusions.add_exclusion(
            municipality=municipality,
            debtor=form.cleaned_data["debtor_ref"],
            reason=form.cleaned_data["reason"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            user=request.user,
            request=request,
        )
        messages.success(request, _("The debtor is excluded from signals."))
        return redirect("signals:exclusion-list")
    listed = DebtorExclusion.objects.for_municipality(municipality).select_related("debtor")
    return render(
        request,
        "signals/exclusion_list.html",
        {"form": form, "exclusions": listed, "today": timezone.localdate()},
        status=400 if form.is_bound else 200,
    )


@role_required(Role.ADMINISTRATOR)
def exclusion_edit(request: HttpRequest, exclusion_id: int) -> HttpResponse:
    exclusion = get_owned_or_404(DebtorExclusion.objects.select_related("debtor"), request, pk=exclusion_id)
    initial = {name: getattr(exclusion, name) for name in exclusions.EDITABLE_FIELDS}
    form = ExclusionChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = exclusions.change_exclusion(
            exclusion=exclusion, values=form.cleaned_data, user=request.user, request=request
        )
        messages.success(request, _("The exclusion is changed.") if changed else _("Nothing changed."))
        return redirect("signals:exclusion-list")
    return render(
        request,
        "signals/exclusion_form.html",
        {"form": form, "exclusion": exclusion},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(Role.ADMINISTRATOR)
def exclusion_end(request: HttpRequest, exclusion_id: int) -> HttpResponse:
    exclusion = get_owned_or_404(DebtorExclusion.objects.select_related("debtor"), request, pk=exclusion_id)
    if exclusions.end_exclusion(
        exclusion=exclusion, today=timezone.localdate(), user=request.user, request=request
    ):
        messages.success(request, _("The exclusion ends today."))
    else:
        messages.info(request, _("This exclusion had already ended."))
    return redirect("signals:exclusion-list")
