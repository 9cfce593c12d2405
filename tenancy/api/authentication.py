"""Token authentication for municipality systems and suppliers (`Authorization: Bearer <key>`)."""

import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tenancy import shared_cache, tokens
from tenancy.models import ApiToken
from tenancy.models.suppliers import token_cache_key

LAST_USED_RESOLUTION = timedelta(minutes=1)  # one write per minute per token, not one per request
TOKEN_CACHE_SECONDS = 30  # a token lookup per request costs as much as the intake of one report
logger = logging.getLogger("debtsignal.api.refusals")


class ApiClient:
    """The `request.user` of an API call: a municipality's system or a supplier, never a person."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        self.municipality = token.municipality
        self.supplier = token.supplier

    def get_username(self) -> str:
        return f"api:{self.token.key_prefix}"

    def __str__(self) -> str:
        return self.get_username()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            refuse(request, "malformed authorization header")
            raise exceptions.AuthenticationFailed(_("Give the token as: Authorization: Bearer <token>."))
        key = header[1].decode(errors="replace")
        token = usable_token(key)
        if token is None:
            refuse(request, "unknown, expired or revoked token", prefix=tokens.display_prefix(key))
            raise exceptions.AuthenticationFailed(_("Unknown, expired or revoked token."))
        if token.allowed_ips and client_ip(request) not in token.allowed_ips:
            refuse(request, "address not on the token's allow-list", prefix=token.key_prefix)
            raise exceptions.AuthenticationFailed(_("This token may not be used from this address."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            # Dropped, not written back: a write of this copy could undo a revoke made meanwhile.
            shared_cache.delete(token_cache_key(token.key_hash))
        return ApiClient(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def usable_token(key: str) -> ApiToken | None:
    """Return the usable token with this key, from the cache when it was used in the last seconds.

    Saving, deleting or revoking a token clears its entry; with a per-process cache (no `CACHE_URL`)
    other processes may accept a revoked token for at most TOKEN_CACHE_SECONDS more, with Redis for
    at most `shared_cache.LOCAL_SECONDS`.
    """
    key_hash = tokens.hash_key(key)
    token = shared_cache.get(token_cache_key(key_hash), local=True)
    if token is not None:
        return token if token.is_usable else None  # expiry passes while cached
    token = (
        ApiToken.objects.usable().select_related("municipality", "supplier").filter(key_hash=key_hash).first()
    )
    if token is not None:
        shared_cache.set(token_cache_key(key_hash), token, timeout=TOKEN_CACHE_SECONDS)
    return token


def client_ip(request: Request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def refuse(request: Request, reason: str, *, prefix: str = "") -> None:
    """Log a refused API call: the reason, path, address and token prefix; never a body or a BSN."""
    logger.warning(
        "refused %s %s from %s token=%s: %s", request.method, request.path, client_ip(request), prefix, reason
    )


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (Swagger UI's Authorize button)."""

    target_class = ApiTokenAuthentication
    name = "ApiToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: Authorization: Bearer ds_...",
        }
