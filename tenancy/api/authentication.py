"""Token authentication for municipality systems and suppliers (`Authorization: Bearer <key>`)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tenancy import tokens
from tenancy.models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # one write per minute per token, not one per request


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
            raise exceptions.AuthenticationFailed(_("Give the token as: Authorization: Bearer <token>."))
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.usable()
            .select_related("municipality", "supplier")
            .filter(key_hash=tokens.hash_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ApiClient(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
