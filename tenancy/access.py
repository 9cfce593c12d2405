"""The one place where a browser request's access is decided: membership, role, and scoped fetches."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from .models import Role, TenantModel

ViewFunction = Callable[..., HttpResponse]


def check_role(request: HttpRequest, roles: tuple[str, ...]) -> None:
    """Raise PermissionDenied unless the user is a member of the current municipality in one of `roles`."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied("No membership of a municipality.")
    if roles and membership.role not in roles:
        raise PermissionDenied("This page is not available for your role.")


def role_required(*roles: str) -> Callable[[ViewFunction], ViewFunction]:
    """Decorate a view: logged in, a member of the current municipality, and (if given) in one of `roles`."""

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_role(request, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        check_role(request, self.allowed_roles)
        return super().dispatch(request, *args, **kwargs)


def get_owned_or_404[M: Model](queryset: type[M] | QuerySet[M], request: HttpRequest, **lookup: Any) -> M:
    """Fetch one object of the request's municipality; another municipality's object is a 404."""
    if isinstance(queryset, type):
        if not issubclass(queryset, TenantModel):
            raise TypeError(f"{queryset.__name__} is not tenant-owned.")
        queryset = queryset.objects.all()
    return get_object_or_404(queryset.for_municipality(getattr(request, "municipality", None)), **lookup)  # type: ignore[attr-defined]


ALL_ROLES = (Role.CONSULTANT, Role.ADMINISTRATOR, Role.MANAGER)
