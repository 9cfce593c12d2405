import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.arrears import rules
from intake.arrears.ddas import EnumContactsoort, EnumDagdeel, EnumEindresultaat
from tenancy.models import PartnerType, Supplier, TenantModel

Result = EnumEindresultaat


class ArrearsSettings(TenantModel):
    """The arrears rules of one municipality (domain.md section 5); created with the domain.md defaults."""

    minimum_amount = models.DecimalField(
        _("minimum amount"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    multiple_supplier_count = models.PositiveSmallIntegerField(_("suppliers for a multiple case"), default=2)
    term_days = models.PositiveSmallIntegerField(_("term for the first conversation (days)"), default=28)
    crisis_term_working_days = models.PositiveSmallIntegerField(_("crisis term (working days)"), default=3)
    partner_rules = models.JSONField(
        _("window per partner type"),
        default=dict,
        blank=True,
        help_text=_(
            "per partner type: min_age_days, max_age_days, min_amount; missing types use the defaults"
        ),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality"], name="arrears_settings_one")]
        verbose_name_plural = "arrears settings"

    def __str__(self) -> str:
        return f"arrears settings {self.municipality_id}"

    def as_rules(self) -> rules.ArrearsRules:
        partner_rules = rules.default_partner_rules()
        for partner_type, values in (self.partner_rules or {}).items():
            partner_rules[partner_type] = rules.PartnerRule(
                min_age_days=values.get("min_age_days"),
                max_age_days=values.get("max_age_days"),
                min_amount=Decimal(str(values["min_amount"]))
                if values.get("min_amount") is not None
                else None,
            )
        return rules.ArrearsRules(
            partner_rules=partner_rules,
            minimum_amount=self.minimum_amount,
            multiple_supplier_count=self.multiple_supplier_count,
            term_days=self.term_days,
            crisis_term_working_days=self.crisis_term_working_days,
        )


class PersonFields(models.Model):
    """The person as a supplier or the municipality knows them (DDAS client block)."""

    bsn = models.CharField(_("BSN"), max_length=9, blank=True)
    initials = models.CharField(_("initials"), max_length=20, blank=True)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    last_name = models.CharField(_("last name"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=10, blank=True)
    house_number_suffix = models.CharField(_("suffix"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        abstract = True


class ArrearsCase(TenantModel, PersonFields):
    """A vroegsignaalzaak: the municipality's handling of one household's arrears reports."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    person_key = models.CharField(max_length=128, db_index=True, help_text=_("matching key; hashed, no BSN"))
    household_key = models.CharField(max_length=128, db_index=True)
    debtor = models.ForeignKey(
        "intake.Debtor", null=True, blank=True, on_delete=models.SET_NULL, related_name="arrears_cases"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    result = models.CharField(_("result"), max_length=80, choices=Result.choices, blank=True)
    is_multiple = models.BooleanField(_("multiple suppliers"), default=False)
    crisis = models.BooleanField(_("crisis"), default=False)
    opened_on = models.DateField(_("opened on"))
    due_date = models.DateField(_("first conversation due"))
    picked_up_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What work baskets route on; kept up to date by `intake.arrears.services` whenever a report joins.
    group_key = models.CharField(
        max_length=128, default="", help_text=_("household key, or the person key without an address; hashed")
    )
    stage = models.CharField(
        _("stage"), max_length=20, default="received", help_text=_("the supplier-visible progress")
    )
    supplier_count = models.PositiveSmallIntegerField(_("suppliers"), default=0)
    partner_types = models.JSONField(_("partner types"), default=list, blank=True)
    total_amount = models.DecimalField(_("total amount"), max_digits=14, decimal_places=2, default=Decimal(0))
    is_repeat = models.BooleanField(_("repeat report received"), default=False)
    latest_signal_date = models.DateField(_("latest signal date"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["municipality", "status", "person_key"])]
        constraints = [
            # One open case per household: concurrent intakes of the same household meet here.
            models.UniqueConstraint(
                fields=["municipality", "group_key"],
                condition=Q(status="open"),
                name="arrears_case_one_open_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def is_welfare_debtor(self) -> bool:
        return self.debtor_id is not None

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.first_contact_at is None
            and self.due_date < timezone.localdate()
        )

    def age_on(self, day: dt.date) -> int | None:
        """The person's age in whole years on `day`, when the birth date is known."""
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class ArrearsReport(TenantModel, PersonFields):
    """A supplier's report of payment arrears about one person (DDAS vroegsignaal)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        PICKED_UP = "picked_up", _("picked up")
        CONTACT_MADE = "contact_made", _("contact made")
        HELP_STARTED = "help_started", _("help started")
        NO_CONTACT = "no_contact", _("no contact")
        NOT_PICKED_UP = "not_picked_up", _("not picked up")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # No single-column indexes for these two: (municipality, person_key) and (supplier, reference)
    # lead with them, and every index costs a write per report.
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="arrears_reports", db_index=False
    )
    case = models.ForeignKey(
        ArrearsCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reference = models.CharField(_("supplier's reference"), max_length=100)
    partner_type = models.CharField(_("partner type"), max_length=40, choices=PartnerType.choices)
    crisis = models.BooleanField(_("crisis"), default=False)
    warm_handover = models.BooleanField(_("warm handover"), default=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    arrears_since = models.DateField(_("arrears since"))
    signal_date = models.DateField(_("signal date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    result = models.CharField(_("result"), max_length=80, choices=Result.choices, blank=True)
    is_repeat = models.BooleanField(_("repeat report"), default=False)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    collection_suspended_until = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    person_key = models.CharField(max_length=128, blank=True, help_text=_("matching key; hashed, no BSN"))
    household_key = models.CharField(max_length=128, blank=True)
    withdraw_reason = models.CharField(_("withdraw reason"), max_length=20, blank=True)
    assessed_at = models.DateTimeField(
        _("assessed"), null=True, blank=True, help_text=_("when the window, minimum and repeat rules ran")
    )

    class Meta:
        ordering = ["-signal_date", "pk"]
        constraints = [
            # A supplier's reference names one report, whichever municipality it is about: the API
            # addresses reports as /arrears-reports/{reference} and a retry must never duplicate. This
            # is stricter than (municipality, supplier, reference), so that key is not kept as well.
            models.UniqueConstraint(
                fields=["supplier", "reference"], name="arrears_report_unique_supplier_ref"
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "status_changed_at"]),
            models.Index(fields=["municipality", "person_key"]),
            models.Index(fields=["id"], condition=Q(assessed_at__isnull=True), name="arrears_report_pending"),
        ]

    def __str__(self) -> str:
        return self.reference


class ArrearsContactAttempt(TenantModel):
    """One attempt to reach the person of a case (DDAS contactpoging)."""

    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="contact_attempts")
    kind = models.CharField(_("kind"), max_length=20, choices=EnumContactsoort.choices)
    is_reached = models.BooleanField(_("reached"))
    happened_at = models.DateTimeField(_("when"))
    part_of_day = models.CharField(_("part of day"), max_length=10, choices=EnumDagdeel.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.happened_at:%Y-%m-%d}"
