from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel, TenantQuerySet


class LetterKind(models.TextChoices):
    ARREARS_OUTREACH = "arrears_outreach", _("outreach after arrears")
    VISIT_ANNOUNCEMENT = "visit_announcement", _("visit announcement")
    NOT_AT_HOME = "not_at_home", _("not at home card")
    INSTALMENT_REVIEW = "instalment_review", _("instalment review after a rise")
    ARRANGEMENT_OFFER = "arrangement_offer", _("arrangement offer for a non-payer with income")
    VOW_FOUND = "vow_found", _("address found: please contact us")
    BVV_NOTICE = "bvv_notice", _("notice of the protected income (beslagvrije voet)")


class LetterTemplateQuerySet(TenantQuerySet):
    def current(self) -> LetterTemplateQuerySet:
        """The newest version of every kind."""
        newest = self.model._default_manager.filter(
            municipality=models.OuterRef("municipality"), kind=models.OuterRef("kind")
        ).order_by("-version")
        return self.filter(version=models.Subquery(newest.values("version")[:1])).order_by("kind")


class LetterTemplate(TenantModel):
    """One version of a municipality's letter of one kind. Versions are never changed: an edit adds one."""

    kind = models.CharField(_("kind"), max_length=30, choices=LetterKind.choices)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    annex = models.TextField(_("annex"), blank=True, help_text=_("legal text and privacy note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterTemplateQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a narrower manager

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "version"], name="letter_template_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class LetterBatch(TenantModel):
    """A print batch: letters of one template for a selection of work items, merged into one PDF."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="batches")
    basket = models.ForeignKey(
        "workbaskets.WorkBasket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    letters_total = models.PositiveIntegerField(default=0)
    letters_done = models.PositiveIntegerField(default=0)
    file = models.FileField(_("print file"), upload_to="letter-batches/%Y/%m/", blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("letter batches")

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.letters_done}/{self.letters_total})"

    @property
    def progress(self) -> int:
        """Percentage done, for the progress bar."""
        if not self.letters_total:
            return 100 if self.status == self.Status.FINISHED else 0
        return self.letters_done * 100 // self.letters_total


class Letter(TenantModel):
    """One letter to one person about one work item, with the exact template version it used."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="letters")
    work_item = models.ForeignKey("workbaskets.WorkItem", on_delete=models.CASCADE, related_name="letters")
    batch = models.ForeignKey(
        LetterBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="letters"
    )
    values = models.JSONField(
        _("filled in"), default=dict, help_text=_("placeholder values at the time of writing")
    )
    file = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A batch writes one letter per item, however often its task runs.
            models.UniqueConstraint(fields=["batch", "work_item"], name="letter_once_per_batch_item"),
        ]

    def __str__(self) -> str:
        return f"{self.template} for item {self.work_item_id}"


class ManagementReport(TenantModel):
    """The monthly management report of one period: its figures and the PDF made from them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    figures = models.JSONField(default=dict, blank=True)
    file = models.FileField(_("PDF"), upload_to="management-reports/%Y/", blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "period"], name="report_unique_period")
        ]

    def __str__(self) -> str:
        return f"report {self.period:%Y-%m}"


# -- retention (domain.md section 9) ----------------------------------------------------------


class RetentionSettings(TenantModel):
    """How long one municipality keeps personal data after a file is closed (defaults of section 9)."""

    not_picked_up_months = models.PositiveSmallIntegerField(
        _("reports closed as not picked up: months"), default=3
    )
    closed_case_months = models.PositiveSmallIntegerField(_("closed cases: months"), default=18)
    closed_item_months = models.PositiveSmallIntegerField(_("closed work items: months"), default=18)
    ended_debtor_months = models.PositiveSmallIntegerField(
        _("ended debtors, after the claim is settled: months"), default=12
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality"], name="retention_settings_one")]

    def __str__(self) -> str:
        return f"retention of {self.municipality_id}"


class RetainedFigures(TenantModel):
    """The management figures of one period, stored before a purge touched the rows they count.

    `reporting.figures.management_figures` returns these instead of counting again, so a report
    of a past period gives the same figures after its personal data is gone.
    """

    period = models.DateField(_("period"))
    figures = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "period"], name="retained_figures_one_period")
        ]

    def __str__(self) -> str:
        return f"figures {self.period:%Y-%m}"


class DestructionBatch(TenantModel):
    """One purge run of one municipality: the destruction register's heading."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.CharField(_("started by"), max_length=100, default="schedule")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"purge {self.pk}"


class DestructionRecord(TenantModel):
    """What one purge destroyed: a kind and how many, never whose."""

    class Kind(models.TextChoices):
        REPORT_NOT_PICKED_UP = "report_not_picked_up", _("arrears reports closed as not picked up")
        CLOSED_CASE = "closed_case", _("closed arrears cases")
        CLOSED_WORK_ITEM = "closed_work_item", _("closed work items")
        LETTER = "letter", _("letters of closed work items")
        ENDED_DEBTOR = "ended_debtor", _("ended debtors")
        SOURCE_DATA = "source_data", _("income, balance and vehicle rows of ended debtors")

    batch = models.ForeignKey(DestructionBatch, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    count = models.PositiveIntegerField(_("how many"))
    destroyed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind"], name="destruction_one_kind_per_batch")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.count}"
