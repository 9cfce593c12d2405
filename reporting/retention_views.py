"""Administrators' pages of retention: the destruction register and the dry run of the next purge."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.access import role_required
from tenancy.models import Role

from . import retention
from .models import DestructionBatch

REGISTER_SIZE = 100


@role_required(Role.ADMINISTRATOR)
def destruction_register(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    batches = DestructionBatch.objects.for_municipality(municipality).prefetch_related("records")[
        :REGISTER_SIZE
    ]
    return render(
        request,
        "reporting/retention/register.html",
        {"batches": batches, "terms": retention.retention_settings(municipality)},
    )


@role_required(Role.ADMINISTRATOR)
def purge_dry_run(request: HttpRequest) -> HttpResponse:
    plan = retention.plan_purge(municipality=request.municipality)  # type: ignore[attr-defined]
    return render(request, "reporting/retention/dry_run.html", {"plan": plan, "rows": plan.rows()})
