"""Who may call an API view: the token's owner kind and its scopes.

Fail closed: a view must name the scope it needs (`required_scope`, a string or a property per
method); a view that names none answers 403 to every token, so a new endpoint cannot be left open
by forgetting it. Every refusal is logged without personal data (`authentication.refuse`).
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .authentication import refuse


def required_scope(view: APIView) -> str:
    return getattr(view, "required_scope", "") or ""


def _allowed(request: Request, view: APIView, *, owner: str, message: str) -> bool:
    token = request.auth
    if token is None:
        return False  # DRF answers 401 (no credentials); authentication logged it already
    if getattr(token, f"{owner}_id") is None:
        refuse(request, message, prefix=token.key_prefix)
        return False
    scope = required_scope(view)
    if not scope:
        refuse(request, "the view names no scope", prefix=token.key_prefix)
        return False
    if scope not in token.scopes:
        refuse(request, f"token lacks the scope {scope}", prefix=token.key_prefix)
        return False
    return True


class IsMunicipalityClient(BasePermission):
    """A municipality's own system (a token that belongs to a municipality) with the view's scope."""

    message = "This endpoint is for a municipality's systems with the right scope."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _allowed(request, view, owner="municipality", message="not a municipality token")


class IsSupplierClient(BasePermission):
    """A supplier's system (a token that belongs to a supplier) with the view's scope."""

    message = "This endpoint is for suppliers with the right scope."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _allowed(request, view, owner="supplier", message="not a supplier token")
