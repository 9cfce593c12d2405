"""The value lists of the national DDAS exchange model v0.9 (VNG Realisatie).

The values are the exact strings of `standards/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json`;
they are stored as-is so a DDAS export needs no translation table.
"""

from django.db import models


class EnumSignaalpartner(models.TextChoices):
    ENERGIE = "Energie", "Energie"
    HUUR = "Huur", "Huur"
    HYPOTHEEK = "Hypotheek", "Hypotheek"
    CAK_ZORGVERZEKERINGEN = "CAK Zorgverzekeringen", "CAK Zorgverzekeringen"
    ZORG = "Zorg", "Zorg"
    WATER = "Water", "Water"
    DUO = "DUO", "DUO"
    BELASTINGDIENST = "Belastingdienst", "Belastingdienst"
    CAK_EIGEN_BIJDRAGE = "CAK Eigen bijdrage", "CAK Eigen bijdrage"
    OVERIGE = "Overige", "Overige"
    DIENST_TOESLAGEN = "Dienst Toeslagen", "Dienst Toeslagen"


class EnumEindresultaat(models.TextChoices):
    HERHAALDE_MELDING = "Niet opgepakt: herhaalde melding", "Niet opgepakt: herhaalde melding"
    ONTERECHT_SIGNAAL = "Niet opgepakt: onterecht signaal", "Niet opgepakt: onterecht signaal"
    OVERLEDEN = "Inwoner is overleden", "Inwoner is overleden"
    GEEN_INWONER = (
        "Persoon is geen inwoner (meer) in de gemeente",
        "Persoon is geen inwoner (meer) in de gemeente",
    )
    ANDERE_REDEN = "Niet opgepakt: andere reden", "Niet opgepakt: andere reden"
    AL_BEKEND = "Inwoner al bekend bij schuldhulpverlening", "Inwoner al bekend bij schuldhulpverlening"
    ANDER_TRAJECT = "Inwoner heeft al een ander lopend traject", "Inwoner heeft al een ander lopend traject"
    GEEN_CONTACT = "Definitief geen contact kunnen krijgen", "Definitief geen contact kunnen krijgen"
    GEEN_REACTIE = "Geen reactie na eerder contact", "Geen reactie na eerder contact"
    GEEN_HULP_NODIG = (
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
    )
    ZELF_BETAALD = (
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    )
    ADVIES = "(Budget)advies en/of quick fix", "(Budget)advies en/of quick fix"
    VERVOLGHULP_FINANCIEEL = (
        "Vervolghulp en/of verwijzing financieel",
        "Vervolghulp en/of verwijzing financieel",
    )
    VERWIJZING_ZONDER_CONTACT = "Verwijzing zonder contact", "Verwijzing zonder contact"
    VERVOLGHULP_NIET_FINANCIEEL = (
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
