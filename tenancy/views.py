from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import role_required
from .middleware import SESSION_KEY
from .models import AuditLogEntry, Membership, Role


@login_required
def start(request: HttpRequest) -> HttpResponse:
    if request.membership is None:  # type: ignore[attr-defined]
        if request.user.is_superuser:
            return redirect("admin:index")
        raise PermissionDenied("No membership of a municipality.")
    return render(request, "tenancy/start.html", {"role": request.membership.role})  # type: ignore[attr-defined]


@require_POST
@login_required
def switch_municipality(request: HttpRequest) -> HttpResponse:
    municipality_id = request.POST.get("municipality", "")
    if (
        not municipality_id.isdigit()
        or not Membership.objects.filter(user=request.user, municipality_id=int(municipality_id)).exists()
    ):
        raise PermissionDenied("Not a member of that municipality.")
    request.session[SESSION_KEY] = int(municipality_id)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "tenancy:start"
    return redirect(next_url)


@role_required(Role.ADMINISTRATOR)
def audit_trail(request: HttpRequest) -> HttpResponse:
    entries = AuditLogEntry.objects.for_municipality(request.municipality).select_related("user")  # type: ignore[attr-defined]
    person_ref = request.GET.get("person", "").strip()
    if person_ref:
        entries = entries.filter(person_ref=person_ref)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "tenancy/audit_trail.html", {"page": page, "person_ref": person_ref})
