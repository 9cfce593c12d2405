import base64
import csv
import io
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services, two_factor
from .access import get_owned_or_404, role_required
from .audit import record_access
from .forms import AuditFilterForm, MemberForm
from .middleware import SESSION_KEY
from .models import AuditLogEntry, Membership, Role


@login_required
def start(request: HttpRequest) -> HttpResponse:
    if request.membership is None:  # type: ignore[attr-defined]
        if request.user.is_superuser:
            return redirect("admin:index")
        if request.user.supplier_memberships.exists():  # type: ignore[union-attr]
            return redirect("intake:arrears-supplier-list")  # a supplier's own administrator
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
    form = AuditFilterForm(request.GET or None)
    entries = AuditLogEntry.objects.for_municipality(request.municipality).select_related("user")  # type: ignore[attr-defined]
    if form.is_valid():
        entries = form.filter(entries)
    if request.GET.get("format") == "csv":
        record_access(
            municipality=request.municipality,  # type: ignore[attr-defined]
            request=request,
            action=AuditLogEntry.Action.EXPORT,
            object_type="tenancy.auditlogentry",
            person_ref=form.cleaned_data.get("person", "") if form.is_valid() else "",
            detail={"filter": request.GET.dict()},
        )
        return audit_csv(entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "tenancy/audit_trail.html", {"page": page, "form": form, "query": query.urlencode()}
    )


def audit_csv(entries: QuerySet[AuditLogEntry]) -> StreamingHttpResponse:
    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["when", "who", "action", "object_type", "object_id", "person_ref", "work_item", "ip_address"]
        )
        for entry in entries.iterator(chunk_size=2000):
            writer.writerow(
                [
                    entry.created_at.isoformat(),
                    entry.actor,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.person_ref,
                    entry.work_item_id or "",
                    entry.ip_address or "",
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="logboek-inzage.csv"'
    return response


@role_required(Role.ADMINISTRATOR)
def member_list(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.for_municipality(request.municipality)  # type: ignore[attr-defined]
        .select_related("user")
        .prefetch_related("teams")
        .order_by("user__username")
    )
    return render(request, "tenancy/member_list.html", {"memberships": memberships})


@role_required(Role.ADMINISTRATOR)
def member_form(request: HttpRequest, membership_id: int | None = None) -> HttpResponse:
    membership = get_owned_or_404(Membership, request, pk=membership_id) if membership_id else None
    initial = {}
    if membership is not None:
        initial = {
            "username": membership.user.get_username(),
            "role": membership.role,
            "teams": membership.teams.all(),
        }
    form = MemberForm(request.POST or None, municipality=request.municipality, initial=initial)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if membership is not None:
            services.add_member(
                municipality=request.municipality,
                user=membership.user,
                role=data["role"],
                teams=data["teams"],  # type: ignore[attr-defined]
            )
        else:
            services.enrol_member(
                municipality=request.municipality,  # type: ignore[attr-defined]
                username=data["username"],
                role=data["role"],
                teams=data["teams"],
                email=data["email"],
                password=data["password"],
            )
        messages.success(request, _("Saved."))
        return redirect("tenancy:member-list")
    return render(request, "tenancy/member_form.html", {"form": form, "membership": membership})


@require_POST
@role_required(Role.ADMINISTRATOR)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_owned_or_404(Membership, request, pk=membership_id)
    if membership.user_id == request.user.pk:
        raise PermissionDenied("You cannot remove your own membership.")
    services.remove_member(membership=membership)
    messages.success(request, _("Removed."))
    return redirect("tenancy:member-list")


@login_required
def two_factor_step(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app on the first login, verify a code on every later one."""
    device = two_factor.confirmed_device(request.user) or two_factor.pending_device(request.user)
    error = ""
    if request.method == "POST":
        if two_factor.verify(request, device, request.POST.get("token", "")):
            return redirect("tenancy:start")
        error = _("That code is not right. Type the 6 digits your app shows now.")
    context = {"device": device, "error": error}
    if not device.confirmed:
        context["qr_code"] = two_factor.qr_code_svg(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "tenancy/two_factor.html", context)
