from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class Delivery(TenantModel):
    """One delivered file and the job that imports it (all or nothing)."""

    class Kind(models.TextChoices):
        DEBTORS = "debtors", _("debtor file")
        INCOME = "income", _("income (UWV)")
        BALANCES = "balances", _("bank balances (Belastingdienst)")
        VEHICLES = "vehicles", _("vehicles (RDW)")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("importing")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("already delivered")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period = models.DateField(_("period"), help_text=_("first day of the month"))
    checksum = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    strict = models.BooleanField(_("strict"), default=False)
    original_file = models.FileField(_("original file"), upload_to="deliveries/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    error_report = models.FileField(_("error report"), upload_to="delivery-errors/%Y/%m/", blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text=_("new, changed, ended, unchanged"))
    # Income deliveries: the months the file held, so a later file replaces rows of those months only.
    periods = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["municipality", "kind", "checksum"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m} ({self.get_status_display()})"


class DeliveryFingerprints(TenantModel):
    """The fingerprint of each row of an accepted debtor file, by debtor id (see intake.fingerprints).

    Next month's import counts its new, changed and unchanged rows against them, instead of reading
    this month's million snapshots again. A row's fingerprint covers the debtor's identity and the
    snapshot fields as the file gave them. Written by the import on PostgreSQL; a model of its own,
    so the megabytes are never fetched with a delivery.
    """

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    # (debtor id, fingerprint) pairs, each a big-endian 64-bit integer, in ascending debtor id.
    pairs = models.BinaryField(editable=False)

    class Meta:
        indexes = [models.Index(fields=["municipality", "period"])]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.period:%Y-%m}"
