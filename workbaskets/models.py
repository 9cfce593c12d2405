from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class WorkBasket(TenantModel):
    """An ordered, criteria-based queue (werkbakje) with a treatment path."""

    class MatchMode(models.TextChoices):
        ALL = "all", _("all conditions")
        ANY = "any", _("any condition")

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"))
    match_mode = models.CharField(
        _("match on"), max_length=3, choices=MatchMode.choices, default=MatchMode.ALL
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    treatment_path = models.JSONField(_("treatment path"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="basket_unique_name")]
        permissions = [("triage_workbasket", "Can triage the items in this work basket")]

    def __str__(self) -> str:
        return self.name


class WorkItem(TenantModel):
    """All open signals of one person, or one arrears case, as one piece of work."""

    class Kind(models.TextChoices):
        DEBTOR_SIGNAL = "debtor_signal", _("debtor signal")
        ARREARS = "arrears", _("arrears")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        IN_PROGRESS = "in_progress", _("in progress")
        WAITING = "waiting", _("waiting")
        CLOSED = "closed", _("closed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    basket = models.ForeignKey(WorkBasket, on_delete=models.PROTECT, related_name="items")
    debtor = models.ForeignKey(
        "intake.Debtor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.OneToOneField(
        "intake.ArrearsCase", null=True, blank=True, on_delete=models.CASCADE, related_name="work_item"
    )
    signals = models.ManyToManyField("signals.Signal", blank=True, related_name="work_items")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    step = models.PositiveSmallIntegerField(_("step of the treatment path"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=80, blank=True)
    routing = models.JSONField(_("routing decision"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["municipality", "basket", "status"])]

    def __str__(self) -> str:
        return f"item {self.pk}"
