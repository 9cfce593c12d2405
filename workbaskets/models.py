import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenancy.models import TenantModel, TenantQuerySet

from . import routing


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

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("workbaskets:basket-list", kwargs={"basket_id": self.pk})

    def as_routing_basket(self) -> routing.Basket:
        return routing.Basket(
            key=self.pk,
            name=self.name,
            conditions=tuple(routing.Condition.from_json(c) for c in self.conditions),
            match_mode=routing.MatchMode(self.match_mode),
            steps=self.steps,
        )

    @property
    def steps(self) -> tuple[routing.Step, ...]:
        return tuple(
            routing.Step(
                action=step["action"],
                label=step.get("label", step["action"]),
                term_days=int(step.get("term_days", 0)),
                working_days=bool(step.get("working_days", False)),
            )
            for step in self.treatment_path
        )


class WorkBasketUserObjectPermission(UserObjectPermissionBase):
    """A basket granted to one user (django-guardian, direct foreign key)."""

    content_object = models.ForeignKey(WorkBasket, on_delete=models.CASCADE)


class WorkBasketGroupObjectPermission(GroupObjectPermissionBase):
    """A basket granted to a team, through the auth group that stands for that team."""

    content_object = models.ForeignKey(WorkBasket, on_delete=models.CASCADE)


class DebtorOutcome(models.TextChoices):
    """How a debtor work item ends (domain.md section 6)."""

    INSTALMENT_RAISED = "instalment_raised", _("instalment raised")
    ARRANGEMENT_MADE = "arrangement_made", _("arrangement made")
    WAGE_GARNISHMENT = "wage_garnishment", _("wage garnishment")
    SET_OFF = "set_off", _("set-off")
    ADDRESS_FOUND = "address_found", _("address found")
    REFERRED_TO_DEBT_HELP = "referred_to_debt_help", _("referred to debt help")
    NO_CHANGE = "no_change", _("no change (no capacity)")
    NO_CONTACT = "no_contact", _("no contact")
    UNJUSTIFIED = "unjustified", _("unjustified signal")


class ContactKind(models.TextChoices):
    """DDAS EnumContactsoort."""

    MAIL = "Mail", _("e-mail")
    BRIEF = "Brief", _("letter")
    SMS = "SMS/Whatsapp", _("SMS/WhatsApp")
    TELEFOON = "Telefoon", _("phone")
    HUISBEZOEK = "Huisbezoek", _("house visit")
    KAARTJE = "Kaartje", _("card")
    OVERIGE = "Overige", _("other")
    ADMINISTRATIEF = "Administratief", _("administrative")


class PartOfDay(models.TextChoices):
    """DDAS EnumDagdeel."""

    OCHTEND = "Ochtend", _("morning (before 12:00)")
    MIDDAG = "Middag", _("afternoon (12:00-18:00)")
    AVOND = "Avond", _("evening (from 18:00)")


class WorkItemQuerySet(TenantQuerySet):
    def open(self) -> "WorkItemQuerySet":
        return self.exclude(status=WorkItem.Status.CLOSED)

    def unstarted(self) -> "WorkItemQuerySet":
        return self.filter(status=WorkItem.Status.NEW, assignee__isnull=True)

    def overdue(self, today: dt.date) -> "WorkItemQuerySet":
        return self.open().filter(due_date__lt=today)


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
    # The facts routing looked at, kept as columns so triage filters and the what-if need no joins.
    person_ref = models.CharField(
        _("person"), max_length=60, blank=True, help_text=_("debtor number or case id")
    )
    display_name = models.CharField(_("name"), max_length=250, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    district_key = models.GeneratedField(
        expression=Upper("district"), output_field=models.CharField(max_length=100), db_persist=True
    )
    debtor_category = models.CharField(_("category"), max_length=20, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    signal_types = models.CharField(
        _("signal types"), max_length=300, blank=True, help_text=_("|A|B| for filtering")
    )
    partner_types = models.CharField(
        _("partner types"), max_length=300, blank=True, help_text=_("|A|B| for filtering")
    )
    crisis = models.BooleanField(_("crisis"), default=False)
    facts = models.JSONField(_("routing facts"), default=dict, blank=True)
    has_new_signals = models.BooleanField(_("new signals since work started"), default=False)
    step_started_on = models.DateField(_("step started on"), null=True, blank=True)
    legal_due_date = models.DateField(_("first conversation due (Wgs)"), null=True, blank=True)
    shared_with = models.ForeignKey(
        "tenancy.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shared with team"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["municipality", "basket", "status"]),
            # The triage list: open items of one basket in due order (the first page stops early).
            models.Index(
                fields=["basket", "due_date", "id"],
                condition=~models.Q(status="closed"),
                name="workitem_open_due",
            ),
            # A list filtered by district (the most used filter): counted from the index alone
            # (with the amount range) and paged in due order without sorting.
            models.Index(
                fields=["municipality", "basket", "district_key", "amount"],
                condition=~models.Q(status="closed"),
                name="workitem_open_district",
            ),
            models.Index(
                fields=["municipality", "basket", "district_key", "due_date", "id"],
                condition=~models.Q(status="closed"),
                name="workitem_open_district_due",
            ),
            models.Index(fields=["municipality", "debtor", "status"], name="workitem_debtor_status"),
        ]
        constraints = [
            # One open debtor item per person: all open signals of one person form one item.
            models.UniqueConstraint(
                fields=["municipality", "debtor"],
                condition=models.Q(kind="debtor_signal") & ~models.Q(status="closed"),
                name="workitem_one_open_per_debtor",
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("workbaskets:item-detail", kwargs={"item_id": self.pk})

    @property
    def is_started(self) -> bool:
        return self.status != self.Status.NEW or self.assignee_id is not None

    @property
    def signal_type_list(self) -> list[str]:
        return [part for part in self.signal_types.split("|") if part]

    @property
    def partner_type_list(self) -> list[str]:
        return [part for part in self.partner_types.split("|") if part]

    def is_overdue(self, today: dt.date) -> bool:
        return self.status != self.Status.CLOSED and self.due_date is not None and self.due_date < today


class ContactAttempt(TenantModel):
    """One try to reach the person (DDAS contactpoging)."""

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="contact_attempts")
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    reached = models.BooleanField(_("reached"), default=False)
    date = models.DateField(_("date"))
    part_of_day = models.CharField(_("part of day"), max_length=10, choices=PartOfDay.choices)
    note = models.TextField(_("note"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"


class WorkItemEvent(TenantModel):
    """One line of a work item's timeline."""

    class Kind(models.TextChoices):
        ROUTED = "routed", _("routed")
        REROUTED = "rerouted", _("routed again")
        NEW_SIGNALS = "new_signals", _("new signals")
        ASSIGNED = "assigned", _("assigned")
        STATUS = "status", _("status changed")
        STEP = "step", _("next step")
        NOTE = "note", _("note")
        CONTACT = "contact", _("contact attempt")
        SHARED = "shared", _("shared")
        CLOSED = "closed", _("closed")

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["work_item", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"


class SavedFilter(TenantModel):
    """A consultant's named filter of a basket list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    basket = models.ForeignKey(WorkBasket, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user", "basket", "name"], name="saved_filter_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
