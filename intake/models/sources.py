from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class IncomeRecord(TenantModel):
    """Monthly income of a person from one source (UWV). Keyed by BSN: the source knows no debtor numbers."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("employment")
        BENEFIT = "benefit", _("benefit")
        PENSION = "pension", _("pension")
        OTHER = "other", _("other")

    # Bulk table: the composite indexes below start with the municipality, so its own index is not
    # needed and would only slow down every import. No database constraint on its foreign keys
    # either: PostgreSQL would queue a deferred check per row and key (three million for a
    # debtor file); the import writes only ids it has just read, and Django still enforces
    # PROTECT/CASCADE when rows are deleted.
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    bsn = models.CharField(_("BSN"), max_length=9)
    period = models.DateField(_("period"))
    source_id = models.CharField(_("payroll tax number"), max_length=20)
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    income_kind = models.CharField(_("kind of income"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount per month"), max_digits=12, decimal_places=2)
    delivery = models.ForeignKey(
        "intake.Delivery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    # No constraints or indexes in the model: on PostgreSQL the table is partitioned per municipality
    # and per delivery, each leaf with its own unique (bsn, period, source_id) index (intake.partitions);
    # SQLite has one unique (municipality, bsn, period, source_id) index. Migration 0005 makes both.

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.source_id} {self.amount}"


class BankBalance(TenantModel):
    """The sum over all bank accounts of a person on a reference date (Belastingdienst)."""

    # Bulk table: the composite indexes below start with the municipality, so its own index is not
    # needed and would only slow down every import. No database constraint on its foreign keys
    # either: PostgreSQL would queue a deferred check per row and key (three million for a
    # debtor file); the import writes only ids it has just read, and Django still enforces
    # PROTECT/CASCADE when rows are deleted.
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    bsn = models.CharField(_("BSN"), max_length=9)
    reference_date = models.DateField(_("reference date"))
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2)
    delivery = models.ForeignKey(
        "intake.Delivery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "bsn", "reference_date"], name="balance_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference_date} {self.balance}"


class VehicleRecord(TenantModel):
    """A vehicle registered to a person in the RDW snapshot of one period."""

    # Bulk table: the composite indexes below start with the municipality, so its own index is not
    # needed and would only slow down every import. No database constraint on its foreign keys
    # either: PostgreSQL would queue a deferred check per row and key (three million for a
    # debtor file); the import writes only ids it has just read, and Django still enforces
    # PROTECT/CASCADE when rows are deleted.
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    bsn = models.CharField(_("BSN"), max_length=9)
    period = models.DateField(_("period"))
    plate = models.CharField(_("licence plate"), max_length=12)
    registration_date = models.DateField(_("registered since"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    delivery = models.ForeignKey(
        "intake.Delivery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period", "bsn", "plate"], name="vehicle_unique_plate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.plate}"
