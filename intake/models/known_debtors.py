from django.db import models

from tenancy.models import TenantModel


class DebtorWrites(TenantModel):
    """How often a municipality's debtors were written, and which copy of them is current.

    `count` is raised by a trigger (PostgreSQL, migration 0011) for every statement that writes the
    municipality's debtors, whoever runs it. A debtor import keeps a copy of the debtors as its
    merge leaves them and records here the count that copy belongs to; the next import reads the
    copy only while the count is unchanged (see intake.known_copy).
    """

    municipality = models.OneToOneField("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    count = models.BigIntegerField(default=0)
    copy_delivery = models.ForeignKey(
        "intake.Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    copy_count = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.count}"


class KnownDebtorsCopy(TenantModel):
    """The municipality's debtors as a debtor import's merge left them, for the next import.

    Written by the import on PostgreSQL; a model of its own, so the megabytes are never fetched
    with a delivery. Current only when DebtorWrites names it (see intake.known_copy).
    """

    delivery = models.OneToOneField("intake.Delivery", on_delete=models.CASCADE, related_name="+")
    # A chain: a full copy (sequence 0, `chain` its own delivery), then the change each import
    # made to it (see intake.known_copy).
    chain = models.BigIntegerField()
    sequence = models.PositiveSmallIntegerField(default=0)
    # Per debtor: id, identity fingerprint, byte length of the reference, first period (days since
    # 1970-01-01) and flags, big-endian (see known_copy.ROW); then the references, one text.
    numbers = models.BinaryField(editable=False)
    refs = models.BinaryField(editable=False)
    # Of a change: the positions (big-endian 32-bit) of the debtors whose records come first in
    # `numbers`; the records after them are appended debtors.
    positions = models.BinaryField(editable=False, default=bytes)

    def __str__(self) -> str:
        return f"{self.delivery_id}"
