from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenancy import shared_cache

from .base import TenantModel, TenantQuerySet


class PartnerType(models.TextChoices):
    """DDAS EnumSignaalpartner: the kinds of fixed-cost suppliers."""

    ENERGIE = "Energie", "Energie"
    HUUR = "Huur", "Huur"
    HYPOTHEEK = "Hypotheek", "Hypotheek"
    CAK_ZORGVERZEKERINGEN = "CAK Zorgverzekeringen", "CAK Zorgverzekeringen"
    ZORG = "Zorg", "Zorg"
    WATER = "Water", "Water"
    DUO = "DUO", "DUO"
    BELASTINGDIENST = "Belastingdienst", "Belastingdienst"
    CAK_EIGEN_BIJDRAGE = "CAK Eigen bijdrage", "CAK Eigen bijdrage"
    OVERIGE = "Overige", "Overige"
    DIENST_TOESLAGEN = "Dienst Toeslagen", "Dienst Toeslagen"


class Supplier(models.Model):
    """A fixed-cost partner (signaalpartner). Not tenant-owned: it works with many municipalities."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    partner_type = models.CharField(_("partner type"), max_length=40, choices=PartnerType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierMembership(models.Model):
    """A supplier's own administrator, who manages that supplier's API tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplier_memberships"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "supplier"], name="supplier_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.supplier}"


class CovenantQuerySet(TenantQuerySet):
    def active_on(self, day) -> CovenantQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class Covenant(TenantModel):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="covenants")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CovenantQuerySet.as_manager()

    class Meta:
        ordering = ["supplier__name", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "supplier", "valid_from"], name="covenant_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="covenant_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} - {self.municipality_id} ({self.valid_from}-{self.valid_to or '…'})"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the API, stored only as a SHA-256 hash; the key is shown once."""

    class Scope(models.TextChoices):
        DELIVERIES = "deliveries", _("upload debtor and source files")
        SIGNALS = "signals", _("read signals")
        WRITE_REPORTS = "write_reports", _("write arrears reports")
        READ_FEEDBACK = "read_feedback", _("read feedback")

    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens"
    )
    scopes = models.JSONField(default=list, blank=True)
    allowed_ips = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=600, help_text=_("more requests answer 429 with Retry-After")
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=True, supplier__isnull=False)
                | Q(municipality__isnull=False, supplier__isnull=True),
                name="api_token_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    # API authentication caches tokens by key hash (tenancy.api.authentication): a change must reach it.
    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)
        forget_cached_token(self.key_hash)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        forget_cached_token(self.key_hash)
        return deleted

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


def token_cache_key(key_hash: str) -> str:
    return f"api-token:{key_hash}"


def forget_cached_token(key_hash: str) -> None:
    shared_cache.delete(token_cache_key(key_hash))
