from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class SignalType(models.TextChoices):
    INCOME_ABOVE_THRESHOLD = "INCOME_ABOVE_THRESHOLD", _("Income above threshold")
    INCOME_RISE = "INCOME_RISE", _("Income above threshold, rise")
    NEW_INCOME_SOURCE = "NEW_INCOME_SOURCE", _("New income source")
    INCOME_ABOVE_AFTER_DROP = "INCOME_ABOVE_AFTER_DROP", _("Income above threshold after a drop")
    VOW_FOUND_ABOVE_NORM = "VOW_FOUND_ABOVE_NORM", _("Address-unknown debtor found, income above norm")
    VOW_FOUND_BELOW_NORM = "VOW_FOUND_BELOW_NORM", _("Address-unknown debtor found, income below norm")
    ASSETS = "ASSETS", _("Assets")
    VEHICLE = "VEHICLE", _("Vehicle")


class EvaluationRun(TenantModel):
    """The monthly batch run of one municipality for one period: claimed once, resumable."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    debtors_total = models.PositiveIntegerField(default=0)
    debtors_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text=_("signals per type and category"))
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period"]
        constraints = [models.UniqueConstraint(fields=["municipality", "period"], name="run_unique_period")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.period:%Y-%m} {self.status}"


class Signal(TenantModel):
    """Something worth acting on about one debtor, with the evidence that made it fire."""

    debtor = models.ForeignKey("intake.Debtor", on_delete=models.CASCADE, related_name="signals")
    run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    type = models.CharField(_("type"), max_length=40, choices=SignalType.choices)
    period = models.DateField(_("period"))
    category = models.CharField(_("category"), max_length=20)
    evidence_key = models.CharField(max_length=50, blank=True, default="")
    evidence = models.JSONField(default=dict)
    has_open_arrears = models.BooleanField(_("has open arrears"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "type"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "debtor", "type", "period", "evidence_key"], name="signal_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "period", "type"])]

    def __str__(self) -> str:
        return f"{self.type} {self.period:%Y-%m}"
