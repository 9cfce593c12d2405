"""Demo arrears reports: a pure generator of API-shaped reports, reused by `bench/api.py`."""

import datetime as dt
import random

from tenancy.demo import DemoContext

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
        reports.append(report)
    return reports


def create_arrears_reports(*, context: DemoContext) -> None:
    """Create synthetic suppliers with covenants and arrears reports for every demo municipality."""
    # Filled below once the services exist.
