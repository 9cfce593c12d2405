from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel, TenantQuerySet

from .bulk import BulkRow


class DebtorQuerySet(TenantQuerySet):
    def with_latest_period(self) -> "DebtorQuerySet":
        """Annotate `latest_period`: the newest debtor file that contained the debtor."""
        latest = (
            DebtorSnapshot.objects.filter(
                municipality_id=models.OuterRef("municipality_id"), debtor=models.OuterRef("pk")
            )
            .order_by("-period")
            .values("period")[:1]
        )
        return self.annotate(latest_period=models.Subquery(latest))


class DebtorCategory(models.TextChoices):
    PAYER = "payer", _("payer")
    NON_PAYER = "non_payer", _("non-payer")
    VOW = "vow", _("address unknown (VOW)")


class HouseholdType(models.TextChoices):
    SINGLE = "alleenstaand", _("single")
    SINGLE_PARENT = "alleenstaande_ouder", _("single parent")
    COUPLE = "gehuwd", _("couple")
    COUPLE_WITH_CHILDREN = "gehuwd_met_kinderen", _("couple with children")


class Debtor(TenantModel):
    """A welfare debtor (bijstandsdebiteur). Ended when missing from a snapshot, never deleted."""

    # The unique (municipality, debtor_ref) index below serves lookups by municipality.
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    debtor_ref = models.CharField(_("debtor number"), max_length=50)
    bsn = models.CharField(_("BSN"), max_length=9)
    initials = models.CharField(_("initials"), max_length=20, blank=True)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    last_name = models.CharField(_("last name"), max_length=200)
    birth_date = models.DateField(_("birth date"))
    first_period = models.DateField(_("first period"))
    # No `last_period` column: it would change on every row each month and turn a monthly import
    # into a rewrite of the whole table. The latest snapshot tells it (see `latest_snapshot_period`).
    ended_period = models.DateField(_("ended in period"), null=True, blank=True)
    # A 64-bit fingerprint of the identity above as the newest debtor file gave it (see
    # intake.fingerprints), so an import finds renamed debtors without reading every identity. Set
    # by the import on PostgreSQL; a trigger empties it when anything else changes the identity
    # (migration 0008), and an empty one makes the next import compare that debtor field by field.
    identity_fingerprint = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = DebtorQuerySet.as_manager()

    class Meta:
        ordering = ["debtor_ref"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "debtor_ref"], name="debtor_unique_ref"),
        ]
        indexes = [models.Index(fields=["municipality", "bsn"])]

    def __str__(self) -> str:
        return self.debtor_ref

    @property
    def display_name(self) -> str:
        return " ".join(part for part in [self.initials, self.prefix, self.last_name] if part)


class DebtorSnapshot(BulkRow):
    """A debtor as the debtor file of one period described them."""

    # No index of its own: the (debtor, period) index of each period serves every lookup by debtor.
    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="snapshots", db_index=False, db_constraint=False
    )
    period = models.DateField(_("period"))
    category = models.CharField(_("category"), max_length=20, choices=DebtorCategory.choices)
    claim_amount = models.DecimalField(_("outstanding claim"), max_digits=12, decimal_places=2)
    instalment = models.DecimalField(
        _("monthly instalment"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    paid_last_month = models.DecimalField(
        _("paid last month"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    known_income = models.DecimalField(
        _("known income"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    household_type = models.CharField(
        _("household"), max_length=30, choices=HouseholdType.choices, blank=True
    )
    known_seizure = models.BooleanField(_("known seizure"), default=False)
    district = models.CharField(_("district"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=10)
    house_number_suffix = models.CharField(_("suffix"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # No constraints or indexes in the model: on PostgreSQL the table is partitioned per municipality
    # and per period, each leaf with its own unique (debtor_id, period) index (intake.snapshot_partitions);
    # SQLite has a unique (municipality, debtor, period) and a (municipality, period) index. Migration
    # 0007 makes both.

    class Meta:
        ordering = ["debtor", "-period"]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.period:%Y-%m}"
