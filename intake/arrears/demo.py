"""Demo arrears reports: a pure generator of API-shaped reports, reused by `bench/api.py`."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from intake.models import ArrearsCase, Debtor, Result
from tenancy import suppliers as supplier_services
from tenancy.demo import DEMO_PASSWORD, DemoContext
from tenancy.models import SupplierMembership

from . import services
from .ddas import EnumSignaalpartner

LAST_NAMES = (
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Öztürk",
)
STREETS = ("Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianalaan")
PERSON_FIELDS = ("bsn", "initials", "last_name", "birth_date", "street", "postcode", "house_number", "city")
PARTNER_WEIGHTS = {
    EnumSignaalpartner.ENERGIE: 30,
    EnumSignaalpartner.HUUR: 30,
    EnumSignaalpartner.WATER: 15,
    EnumSignaalpartner.ZORG: 10,
    EnumSignaalpartner.CAK_ZORGVERZEKERINGEN: 5,
    EnumSignaalpartner.BELASTINGDIENST: 5,
    EnumSignaalpartner.OVERIGE: 5,
}


def random_bsn(rng: random.Random) -> str:
    """Return a random number that passes the BSN eleven test."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(digit * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def generate_reports(
    *,
    count: int,
    municipality_code: str,
    seed: int,
    prefix: str,
    today: dt.date,
    bsns: list[str] | None = None,
) -> list[dict]:
    """Return `count` API-shaped reports; most fall inside their window, some persons recur."""
    rng = random.Random(seed)
    partner_types = list(PARTNER_WEIGHTS)
    weights = list(PARTNER_WEIGHTS.values())
    reports = []
    for number in range(count):
        partner_type = rng.choices(partner_types, weights)[0]
        signal_date = today - dt.timedelta(days=rng.randint(0, 60))
        if partner_type == EnumSignaalpartner.CAK_ZORGVERZEKERINGEN:
            age = rng.randint(150, 400)
        else:
            age = rng.randint(20, 120)
        amount = (
            rng.randint(5_000, 250_000)
            if partner_type != EnumSignaalpartner.BELASTINGDIENST
            else rng.randint(40_000, 400_000)
        )
        report = {
            "reference": f"{prefix}-{number:07d}",
            "municipality_code": municipality_code,
            "partner_type": partner_type.value,
            "crisis": rng.random() < 0.08,
            "warm_handover": rng.random() < 0.05,
            "amount": f"{amount // 100}.{amount % 100:02d}",
            "arrears_since": (signal_date - dt.timedelta(days=age)).isoformat(),
            "signal_date": signal_date.isoformat(),
            "initials": rng.choice("ABCDEFGHJKLMNPRSTW") + ".",
            "last_name": rng.choice(LAST_NAMES),
            "birth_date": dt.date(
                rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)
            ).isoformat(),
            "street": rng.choice(STREETS),
            "postcode": f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}",
            "house_number": str(rng.randint(1, 250)),
            "city": "Demostad",
        }
        if bsns and rng.random() < 0.3:
            report["bsn"] = rng.choice(bsns)
        elif rng.random() < 0.85:
            report["bsn"] = random_bsn(rng)
        if reports and rng.random() < 0.15:
            # The same person again (another supplier, usually): these make multiple cases.
            earlier = rng.choice(reports[-50:])
            report |= {field: earlier[field] for field in PERSON_FIELDS if field in earlier}
            if "bsn" not in earlier:
                report.pop("bsn", None)
        reports.append(report)
    return reports


DEMO_SUPPLIERS = [
    ("Woonstichting De Linde", EnumSignaalpartner.HUUR),
    ("Energie Samen", EnumSignaalpartner.ENERGIE),
    ("Waterbedrijf Midden", EnumSignaalpartner.WATER),
    ("Zorgverzekeraar Zeker", EnumSignaalpartner.ZORG),
]
DEMO_SUPPLIER_ADMIN = "leverancier.delinde"


def create_arrears_reports(*, context: DemoContext) -> None:
    """Create synthetic suppliers with covenants and arrears reports for every demo municipality."""
    suppliers = [
        supplier_services.create_supplier(name=name, partner_type=partner_type)
        for name, partner_type in DEMO_SUPPLIERS
    ]
    User = get_user_model()
    admin = User.objects.filter(username=DEMO_SUPPLIER_ADMIN).first() or User.objects.create_user(
        username=DEMO_SUPPLIER_ADMIN, password=DEMO_PASSWORD
    )
    SupplierMembership.objects.get_or_create(user=admin, supplier=suppliers[0])
    context.logins.append((DEMO_SUPPLIER_ADMIN, "supplier administrator", suppliers[0].name))
    today = context.last_period.replace(day=28)
    per_municipality = max(40, context.debtors // 20)
    for municipality in context.municipalities:
        for supplier in suppliers:
            supplier_services.add_covenant(
                supplier=supplier, municipality=municipality, valid_from=dt.date(2024, 1, 1)
            )
        bsns = list(Debtor.objects.for_municipality(municipality).values_list("bsn", flat=True)[:5000])
        reports = generate_reports(
            count=per_municipality,
            municipality_code=municipality.code,
            seed=context.seed + int(municipality.code),
            prefix=f"DEMO-{municipality.code}",
            today=today,
            bsns=bsns,
        )
        for index, supplier in enumerate(suppliers):
            own = [
                report | {"partner_type": supplier.partner_type}
                for report in reports[index :: len(suppliers)]
            ]
            services.receive_arrears_reports(supplier=supplier, reports=own, today=today)
        services.assess_pending_reports()
        _progress_some_cases(
            cases=list(ArrearsCase.objects.for_municipality(municipality).order_by("pk")),
            rng=context.rng,
            results=[Result.ADVICE, Result.FINANCIAL_HELP, Result.NO_HELP_WANTED, Result.OTHER_REASON],
        )
        context.log(
            f"{municipality.name}: {per_municipality} arrears reports from {len(suppliers)} suppliers"
        )


def _progress_some_cases(*, cases: list, rng: random.Random, results: list[str]) -> None:
    now = timezone.now()
    for case in cases:
        draw = rng.random()
        if draw < 0.5:
            continue
        when = now - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 10))
        services.record_contact_attempt(
            case=case, kind=rng.choice(["Telefoon", "Brief", "Huisbezoek"]), is_reached=draw > 0.65, when=when
        )
        if draw > 0.85:
            services.close_case(case=case, result=rng.choice(results), when=when + dt.timedelta(days=3))
