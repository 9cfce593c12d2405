"""The default Dutch letter texts (B1) every new municipality starts from.

B1 rules followed (Direct Duidelijk, Rijksoverheid): short sentences, common words, active voice,
"u" and "wij", one message per letter, the next step in a box (`>`), contact details near it,
legal text in the annex, and a pointer to free help (the municipality's own and Geldfit).
Tests hold every text to the readability checker's B1 bar.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LetterText:
    kind: str
    name: str
    subject: str
    body: str
    annex: str


FREE_HELP = """## Gratis hulp
Heeft u vragen over geld of schulden? Bel dan {{ schuldhulp }}. Dat is gratis.
U kunt ook kijken op www.geldfit.nl. Of bel gratis met Geldfit: 0800 8115."""

PRIVACY_ANNEX = """## Uw gegevens
Wij gebruiken uw gegevens alleen om u te helpen. Wij geven ze niet aan anderen zonder uw toestemming.
U mag altijd vragen welke gegevens wij van u hebben. U mag ook vragen om gegevens te verbeteren.
Dat staat in de Algemene verordening gegevensbescherming (AVG).
Meer informatie leest u op {{ website }}."""

ARREARS_OUTREACH = LetterText(
    kind="arrears_outreach",
    name="Hulp na melding betalingsachterstand",
    subject="Wij willen u helpen met uw betalingsachterstand",
    body="""Beste {{ naam }},

Wij zijn van de gemeente {{ gemeente }}. Wij kregen een melding van {{ partner }}.
U heeft daar een achterstand van {{ achterstand }}.

Wij willen u graag helpen. Dan wordt de schuld niet groter. De hulp is gratis.
U kiest zelf of u hulp wilt.

> **Wat kunt u doen?** Bel {{ consulent }} voor {{ reageer_voor }} op {{ telefoon }}. Of mail naar {{ email }}. Dan maken we samen een afspraak.

Wilt u geen hulp? Laat het ons dan weten. Dan bellen of schrijven wij u niet meer over deze melding.

"""
    + FREE_HELP
    + """

## Uw gegevens
Wij gebruiken uw gegevens alleen om u te helpen. Lees meer in de bijlage.""",
    annex="""## Waarom krijgt u deze brief?
Gemeenten moeten mensen helpen die achter zijn met betalen.
Dat staat in de Wet gemeentelijke schuldhulpverlening (artikel 3 en 4).
Bedrijven voor huur, energie, water en zorgverzekering mogen een achterstand aan ons melden.
Zij melden alleen uw naam, adres, het bedrag en sinds wanneer u achter bent.

"""
    + PRIVACY_ANNEX,
)

VISIT_ANNOUNCEMENT = LetterText(
    kind="visit_announcement",
    name="Aankondiging huisbezoek",
    subject="Wij komen bij u langs op {{ bezoekdatum }}",
    body="""Beste {{ naam }},

Wij komen bij u langs op {{ bezoekdatum }} om {{ bezoektijd }}.

Wij kregen een melding over een betalingsachterstand. Wij willen graag met u praten over hulp.
Het gesprek duurt ongeveer een half uur. De hulp is gratis. U kiest zelf of u hulp wilt.

> **Past dit moment niet?** Bel {{ consulent }} op {{ telefoon }}. Dan maken we een nieuwe afspraak.

Wilt u geen bezoek? Laat het ons dan weten. Bel {{ telefoon }} of mail naar {{ email }}.

"""
    + FREE_HELP,
    annex="""## Waarom komen wij langs?
Gemeenten moeten mensen helpen die achter zijn met betalen.
Dat staat in de Wet gemeentelijke schuldhulpverlening (artikel 3 en 4).
Onze medewerker laat altijd een pasje van de gemeente zien.

"""
    + PRIVACY_ANNEX,
)

NOT_AT_HOME = LetterText(
    kind="not_at_home",
    name="Kaartje niet thuis",
    subject="Wij waren bij u aan de deur",
    body="""Beste {{ naam }},

Wij waren op {{ datum }} bij u aan de deur. U was niet thuis.

Wij willen graag met u praten over hulp bij geldzaken. Die hulp is gratis.

> **Bel ons:** {{ consulent }}, telefoon {{ telefoon }}. Of mail naar {{ email }}.

Wij horen graag van u voor {{ reageer_voor }}.""",
    annex=PRIVACY_ANNEX,
)

INSTALMENT_REVIEW = LetterText(
    kind="instalment_review",
    name="Nieuw voorstel aflossing na stijging inkomen",
    subject="Voorstel: u betaalt {{ nieuwe_termijn }} per maand",
    body="""Beste {{ naam }},

U heeft een schuld bij de gemeente van {{ vordering }}. U betaalt nu elke maand {{ termijn }}.

Uw inkomen is hoger geworden. U krijgt nu {{ inkomen }} per maand.
Daarom hebben wij opnieuw berekend hoeveel u kunt betalen.

## Ons voorstel
U betaalt vanaf {{ ingangsdatum }} elke maand {{ nieuwe_termijn }}.

Wij houden rekening met de beslagvrije voet. Dat is het geld dat u altijd houdt om van te leven.
Voor u is dat {{ beslagvrije_voet }} per maand. Hieronder staat de berekening.

{{ berekening }}

> **Wat moet u doen?** Bent u het eens met dit bedrag? Dan hoeft u niets te doen. Bent u het niet eens? Bel dan voor {{ reageer_voor }} met {{ consulent }} op {{ telefoon }}.

## Bent u het niet eens?
Klopt ons bedrag niet? Heeft u bijvoorbeeld hoge kosten? Laat het ons weten.
Stuur ons een bewijs mee. Dan kijken wij opnieuw naar het bedrag.

"""
    + FREE_HELP,
    annex="""## Hoe rekenen wij?
De beslagvrije voet staat in de wet (Wetboek van Burgerlijke Rechtsvordering, artikel 475da).
Van het geld boven de beslagvrije voet vragen wij maar een deel.
U betaalt nooit zo veel dat u minder dan de beslagvrije voet overhoudt.

## Bezwaar maken
Dit is een voorstel. Neemt de gemeente later een besluit? Dan kunt u daartegen bezwaar maken.
Dat kan binnen 6 weken. Dat staat in de Algemene wet bestuursrecht (artikel 6:7).
Hoe u bezwaar maakt, staat dan in het besluit.

"""
    + PRIVACY_ANNEX,
)

ARRANGEMENT_OFFER = LetterText(
    kind="arrangement_offer",
    name="Aanbod betalingsregeling",
    subject="Wij willen een betalingsregeling met u afspreken",
    body="""Beste {{ naam }},

U heeft een schuld bij de gemeente van {{ vordering }}. U betaalt daar nu niets voor.

Wij zien dat u inkomen heeft. Daarom vragen wij u om de schuld in delen te betalen.

## Ons voorstel
U betaalt elke maand {{ nieuwe_termijn }}. U begint op {{ ingangsdatum }}.
Wij houden rekening met de beslagvrije voet van {{ beslagvrije_voet }}. Dat geld houdt u altijd.

{{ berekening }}

> **Wat moet u doen?** Bel voor {{ reageer_voor }} met {{ consulent }} op {{ telefoon }}. Dan maken we samen de regeling.

Reageert u niet? Dan kan de gemeente beslag leggen op uw loon of uitkering. Dat willen wij liever niet.

"""
    + FREE_HELP,
    annex="""## Waarom krijgt u deze brief?
U kreeg eerder een uitkering van de gemeente. Een deel daarvan moet u terugbetalen.
Dat staat in de Participatiewet (artikel 58 en 60).
Betaalt u niet? Dan mag de gemeente beslag leggen (Participatiewet, artikel 60b).

"""
    + PRIVACY_ANNEX,
)

VOW_FOUND = LetterText(
    kind="vow_found",
    name="Adres gevonden: neem contact op",
    subject="Wilt u contact met ons opnemen?",
    body="""Beste {{ naam }},

Wij hadden lange tijd geen adres van u. Nu hebben wij dit adres gevonden.

U heeft nog een schuld bij de gemeente van {{ vordering }}. Wij willen met u afspreken hoe u die betaalt.
Wij kijken daarbij naar wat u kunt missen.

> **Wat moet u doen?** Bel voor {{ reageer_voor }} met {{ consulent }} op {{ telefoon }}. Of mail naar {{ email }}.

Woont u niet op dit adres? Of klopt er iets niet? Laat het ons dan ook weten.

"""
    + FREE_HELP,
    annex="""## Waarom krijgt u deze brief?
U kreeg eerder een uitkering van de gemeente. Een deel daarvan moet u terugbetalen.
Dat staat in de Participatiewet (artikel 58 en 60).

"""
    + PRIVACY_ANNEX,
)

BVV_NOTICE = LetterText(
    kind="bvv_notice",
    name="Mededeling beslagvrije voet",
    subject="Dit geld houdt u altijd: {{ beslagvrije_voet }} per maand",
    body="""Beste {{ naam }},

U betaalt de gemeente terug. Wij moeten u laten weten hoeveel geld u altijd mag houden.
Dat heet de beslagvrije voet. Voor u is dat {{ beslagvrije_voet }} per maand.

## Met deze gegevens rekenen wij
Uw inkomen is {{ inkomen }} per maand. Hieronder staat de berekening.

{{ berekening }}

> **Wat moet u doen?** Kloppen deze gegevens niet, of verandert er iets? Bijvoorbeeld uw inkomen, uw huur of uw gezin? Geef het ons binnen 4 weken door. Bel {{ consulent }} op {{ telefoon }} of mail naar {{ email }}.

Dan rekenen wij opnieuw. Zo houdt u nooit te weinig over.

"""
    + FREE_HELP,
    annex="""## Waarom krijgt u deze brief?
De wet zegt dat wij u dit moeten laten weten (Wetboek van Burgerlijke Rechtsvordering, artikel 475i).
De beslagvrije voet staat in artikel 475da van die wet.
Geeft u een verandering binnen 4 weken door? Dan passen wij het bedrag aan.

"""
    + PRIVACY_ANNEX,
)

DEFAULT_LETTERS = (
    ARREARS_OUTREACH,
    VISIT_ANNOUNCEMENT,
    NOT_AT_HOME,
    INSTALMENT_REVIEW,
    ARRANGEMENT_OFFER,
    VOW_FOUND,
    BVV_NOTICE,
)
