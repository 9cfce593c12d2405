from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsMunicipalityClient(BasePermission):
    """A municipality's own system (a token that belongs to a municipality)."""

    message = "This endpoint is for a municipality's systems."
    required_scope = ""

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if token is None or token.municipality_id is None:
            return False
        scope = getattr(view, "required_scope", self.required_scope)
        return not scope or scope in token.scopes


class IsSupplierClient(BasePermission):
    """A supplier's system (a token that belongs to a supplier)."""

    message = "This endpoint is for suppliers."

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if token is None or token.supplier_id is None:
            return False
        scope = getattr(view, "required_scope", "")
        return not scope or scope in token.scopes
