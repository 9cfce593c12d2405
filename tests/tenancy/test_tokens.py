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
