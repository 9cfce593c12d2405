from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel, TenantQuerySet


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
    thresholds = models.JSONField(
        default=dict, blank=True, help_text=_("the threshold profiles the run evaluates with, per category")
    )
    signals_found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period"]
        constraints = [models.UniqueConstraint(fields=["municipality", "period"], name="run_unique_period")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.period:%Y-%m} {self.status}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("signals:run-detail", kwargs={"run_id": self.pk})

    @property
    def progress_percent(self) -> int:
        if not self.debtors_total:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, round(100 * self.debtors_done / self.debtors_total))


class EvaluationChunk(models.Model):
    """One slice of a run (a BSN range of the debtors of M), evaluated by one task exactly once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("done")

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    bsn_from = models.CharField(max_length=9, help_text=_("inclusive"))
    bsn_to = models.CharField(max_length=9, blank=True, help_text=_("exclusive; empty for the last chunk"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    debtors = models.PositiveIntegerField(default=0)
    signals_found = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="chunk_unique_number")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} {self.status}"


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


class DebtorExclusionQuerySet(TenantQuerySet):
    def active_in(self, period) -> "DebtorExclusionQuerySet":  # type: ignore[no-untyped-def]
        """Exclusions that cover some day of the month `period` (the first of that month)."""
        from signals.rules import month_number, month_start

        next_month = month_start(month_number(period) + 1)
        return self.filter(starts_on__lt=next_month, ends_on__gte=period)


class DebtorExclusion(TenantModel):
    """A debtor excluded from signals for a while, e.g. during a debt-help programme."""

    debtor = models.ForeignKey("intake.Debtor", on_delete=models.CASCADE, related_name="signal_exclusions")
    reason = models.CharField(_("reason"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DebtorExclusionQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_on", "pk"]

    def __str__(self) -> str:
        return f"{self.debtor_id} until {self.ends_on}"


class WhatIf(TenantModel):
    """One what-if of changed thresholds: counted by a task, polled by the threshold screen."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    profile = models.ForeignKey("thresholds.ThresholdProfile", on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    thresholds = models.JSONField(help_text=_("the proposed threshold profiles, per category"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    debtors_total = models.PositiveIntegerField(default=0)
    debtors_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text=_("signals per type with the new values"))
    actual_counts = models.JSONField(default=dict, blank=True, help_text=_("stored signals per type"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.period:%Y-%m} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.debtors_total:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, round(100 * self.debtors_done / self.debtors_total))
