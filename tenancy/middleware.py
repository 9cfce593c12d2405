"""Sets `request.municipality` and `request.membership` for every browser request."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import Membership

SESSION_KEY = "current_municipality_id"


class CurrentMunicipalityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.municipality = membership.municipality if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in the session, else the user's first; None for non-members."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = (
        Membership.objects.filter(user=user).select_related("municipality").order_by("municipality__name")
    )
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(municipality_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.first()


# Paths a logged-in but not yet verified user may reach: the two-factor pages themselves and what they need.
TWO_FACTOR_OPEN_PREFIXES = ("/2fa/", "/logout/", "/login/", "/i18n/", "/static/", "/api/")


class TwoFactorRequiredMiddleware:
    """Send every logged-in user without a verified second factor to enrolment or verification."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_TWO_FACTOR
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_OPEN_PREFIXES)
        ):
            return redirect("tenancy:two-factor")
        return self.get_response(request)
