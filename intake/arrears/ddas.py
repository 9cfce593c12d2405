"""The value lists of the national DDAS exchange model v0.9 (VNG Realisatie).

The values are the exact strings of `standards/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json`;
they are stored as-is so a DDAS export needs no translation table.
"""

from django.db import models

from tenancy.models.suppliers import PartnerType

# The supplier's partner type is DDAS EnumSignaalpartner; tenancy owns it because a Supplier has one.
EnumSignaalpartner = PartnerType


class EnumEindresultaat(models.TextChoices):
    """How a report or case ended (re-exported as `intake.models.Result`)."""

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


class EnumContactsoort(models.TextChoices):
    MAIL = "Mail", "Mail"
    BRIEF = "Brief", "Brief"
    SMS_WHATSAPP = "SMS/Whatsapp", "SMS/Whatsapp"
    TELEFOON = "Telefoon", "Telefoon"
    HUISBEZOEK = "Huisbezoek", "Huisbezoek"
    KAARTJE = "Kaartje", "Kaartje"
    OVERIGE = "Overige", "Overige"
    ADMINISTRATIEF = "Administratief", "Administratief"


class EnumDagdeel(models.TextChoices):
    OCHTEND = "Ochtend", "Ochtend"
    MIDDAG = "Middag", "Middag"
    AVOND = "Avond", "Avond"


class EnumSignaalstatus(models.TextChoices):
    NOG_NIET_OPGEPAKT = "Nog niet opgepakt", "Nog niet opgepakt"
    ONTERECHT_SIGNAAL = "Niet opgepakt: onterecht signaal", "Niet opgepakt: onterecht signaal"
    OVERLEDEN = "Inwoner is overleden", "Inwoner is overleden"
    GEEN_INWONER = (
        "Persoon is geen inwoner (meer) in de gemeente",
        "Persoon is geen inwoner (meer) in de gemeente",
    )
    HERHAALDE_MELDING = "Niet opgepakt: herhaalde melding", "Niet opgepakt: herhaalde melding"
    ANDERE_REDEN = "Niet opgepakt: andere reden", "Niet opgepakt: andere reden"
