import pytest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from tenancy import services
from tenancy.api.authentication import ApiTokenAuthentication
from tenancy.models import ApiToken
from tests.tenancy.factories import MunicipalityFactory


def authenticate(key: str):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {key}")
    return ApiTokenAuthentication().authenticate(request)


@pytest.mark.django_db
def test_token_is_stored_hashed_and_authenticates():
    municipality = MunicipalityFactory()
    token, key = services.issue_api_token(name="Suite4", municipality=municipality, scopes=["deliveries"])

    client, authenticated = authenticate(key)

    assert key not in {token.key_hash, token.key_prefix}
    assert authenticated == token
    assert client.municipality == municipality
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused():
    municipality = MunicipalityFactory()
    revoked, revoked_key = services.issue_api_token(name="old", municipality=municipality, scopes=[])
    services.revoke_api_token(token=revoked)
    _expired, expired_key = services.issue_api_token(
        name="expired",
        municipality=municipality,
        scopes=[],
        expires_at=timezone.now() - timezone.timedelta(seconds=1),
    )

    for key in (revoked_key, expired_key, "ds_unknown"):
        with pytest.raises(AuthenticationFailed):
            authenticate(key)


@pytest.mark.django_db
def test_token_with_an_allow_list_is_refused_from_other_addresses(caplog):
    token, key = services.issue_api_token(name="Suite4", municipality=MunicipalityFactory(), scopes=[])
    token.allowed_ips = ["10.0.0.7"]
    token.save(update_fields=["allowed_ips"])

    request = APIRequestFactory().get(
        "/api/v1/x", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="127.0.0.1"
    )
    with pytest.raises(AuthenticationFailed):
        ApiTokenAuthentication().authenticate(request)
    allowed = APIRequestFactory().get("/api/v1/x", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.0.7")

    assert ApiTokenAuthentication().authenticate(allowed)[1] == token
    assert caplog.messages == [
        f"refused GET /api/v1/x from 127.0.0.1 token={token.key_prefix}: address not on the token's allow-list"
    ]
