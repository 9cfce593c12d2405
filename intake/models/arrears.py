from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import PartnerType, Supplier, TenantModel


class Result(models.TextChoices):
    """DDAS EnumEindresultaat: how a report or case ended."""

    REPEAT = "Niet opgepakt: herhaalde melding", "Niet opgepakt: herhaalde melding"
    UNJUSTIFIED = "Niet opgepakt: onterecht signaal", "Niet opgepakt: onterecht signaal"
    DECEASED = "Inwoner is overleden", "Inwoner is overleden"
    NOT_RESIDENT = (
        "Persoon is geen inwoner (meer) in de gemeente",
        "Persoon is geen inwoner (meer) in de gemeente",
    )
    OTHER_REASON = "Niet opgepakt: andere reden", "Niet opgepakt: andere reden"
    KNOWN_TO_DEBT_HELP = (
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner al bekend bij schuldhulpverlening",
    )
    OTHER_TRAJECTORY = (
        "Inwoner heeft al een ander lopend traject",
        "Inwoner heeft al een ander lopend traject",
    )
    NO_CONTACT = "Definitief geen contact kunnen krijgen", "Definitief geen contact kunnen krijgen"
    NO_RESPONSE = "Geen reactie na eerder contact", "Geen reactie na eerder contact"
    NO_HELP_WANTED = (
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
    )
    PAID_ALREADY = (
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    )
    ADVICE = "(Budget)advies en/of quick fix", "(Budget)advies en/of quick fix"
    FINANCIAL_HELP = "Vervolghulp en/of verwijzing financieel", "Vervolghulp en/of verwijzing financieel"
    REFERRAL_WITHOUT_CONTACT = "Verwijzing zonder contact", "Verwijzing zonder contact"
    NON_FINANCIAL_HELP = (
        "Vervolghulp en/of verwijzing niet financieel",
        "Vervolghulp en/of verwijzing niet financieel",
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

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["municipality", "status", "person_key"])]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def is_welfare_debtor(self) -> bool:
        return self.debtor_id is not None


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

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="arrears_reports")
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
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-signal_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "supplier", "reference"], name="arrears_report_unique_reference"
            ),
        ]

    def __str__(self) -> str:
        return self.reference
