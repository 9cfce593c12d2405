from django.db import models

from tenancy.models import TenantModel


class BulkRow(TenantModel):
    """A row of a bulk table (snapshots, income, balances, vehicles), written a million at a time.

    Its composite indexes start with the municipality, so the municipality needs no index of its
    own. Neither key has a database constraint: PostgreSQL would queue a deferred check per row
    and key (three million for a debtor file); the import writes only ids it has just read, and
    Django still enforces PROTECT when rows are deleted.
    """

    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
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
        abstract = True
