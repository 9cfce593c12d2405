"""Demo data: fictional municipalities and a login for every role. All data synthetic."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Municipality, Role, Team
from .services import add_member, create_municipality

DEMO_PASSWORD = "demo-debtsignal"  # printed by `make demo`; fictional accounts on a local machine
FICTIONAL_MUNICIPALITIES = [
    # Codes 9901+ are not used by CBS, so demo data never looks like a real municipality's.
    ("9901", "Gemeente Lindendal", "#0b5394", "Raadhuisplein 1", "9901 AA", "Lindendal"),
    ("9902", "Gemeente Beekveld", "#7a1f5c", "Marktstraat 12", "9902 BB", "Beekveld"),
    ("9903", "Gemeente Heidevoort", "#2e6b30", "Stationsweg 4", "9903 CC", "Heidevoort"),
    ("9904", "Gemeente Zandwijk", "#8a4b08", "Kerkplein 7", "9904 DD", "Zandwijk"),
]


@dataclass
class DemoContext:
    seed: int
    municipalities_count: int
    debtors: int
    months: int
    last_period: date
    log: Callable[[str], None] = print
    rng: random.Random = field(init=False)
    municipalities: list[Municipality] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, municipality)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def periods(self) -> list[date]:
        """The demo months, oldest first, ending at `last_period`."""
        year, month = self.last_period.year, self.last_period.month
        result = []
        for _ in range(self.months):
            result.append(date(year, month, 1))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return result[::-1]


@transaction.atomic
def create_municipalities_and_users(*, context: DemoContext) -> None:
    """Create the demo municipalities, a team per municipality and a user for every role."""
    User = get_user_model()
    if context.municipalities_count > len(FICTIONAL_MUNICIPALITIES):
        raise ValueError(f"At most {len(FICTIONAL_MUNICIPALITIES)} demo municipalities.")
    for code, name, colour, address, postcode, city in FICTIONAL_MUNICIPALITIES[
        : context.municipalities_count
    ]:
        municipality = Municipality.objects.filter(code=code).first() or create_municipality(
            code=code,
            name=name,
            primary_colour=colour,
            address_line=address,
            postcode=postcode,
            city=city,
            phone="14 0" + code[-2:],
            email=f"schuldhulp@{city.lower()}.example",
            website=f"https://www.{city.lower()}.example",
        )
        context.municipalities.append(municipality)
        slug = city.lower()
        office, _ = Team.objects.get_or_create(municipality=municipality, name="Team Inkomen")
        wijkteam, _ = Team.objects.get_or_create(
            municipality=municipality, name="Wijkteam Centrum", defaults={"kind": Team.Kind.WIJKTEAM}
        )
        for role, username, teams in [
            (Role.CONSULTANT, f"consulent.{slug}", [office]),
            (Role.ADMINISTRATOR, f"beheerder.{slug}", [office]),
            (Role.MANAGER, f"manager.{slug}", []),
            (Role.CONSULTANT, f"wijkteam.{slug}", [wijkteam]),
        ]:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
            add_member(municipality=municipality, user=user, role=role, teams=teams)
            context.logins.append((username, role, municipality.name))
    if len(context.municipalities) > 1:
        # One consultant works for two municipalities, to show the switcher.
        user = User.objects.get(username=f"consulent.{FICTIONAL_MUNICIPALITIES[0][5].lower()}")
        add_member(municipality=context.municipalities[1], user=user, role=Role.CONSULTANT)
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(username="admin", password=DEMO_PASSWORD, email="admin@example.invalid")
    context.logins.append(("admin", "superuser", "Django admin"))
