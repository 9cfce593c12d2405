import datetime

import pytest

from tenancy.demo import DemoContext, create_municipalities_and_users
from tenancy.models import Team
from tests.workbaskets.factories import DebtorFactory, SignalFactory
from workbaskets.demo import route_demo_work
from workbaskets.models import WorkBasket, WorkBasketGroupObjectPermission, WorkItem

pytestmark = pytest.mark.django_db


def test_demo_step_routes_signals_and_grants_the_demo_teams():
    context = DemoContext(
        seed=1,
        municipalities_count=1,
        debtors=10,
        months=2,
        last_period=datetime.date(2026, 10, 1),
        log=lambda _: None,
    )
    create_municipalities_and_users(context=context)
    municipality = context.municipalities[0]
    for _ in range(4):
        SignalFactory(debtor=DebtorFactory(municipality=municipality), type="ASSETS")

    route_demo_work(context=context)

    assert WorkItem.objects.for_municipality(municipality).count() == 4
    assert WorkBasket.objects.for_municipality(municipality).count() == 9
    office = Team.objects.get(municipality=municipality, kind=Team.Kind.OFFICE)
    wijkteam = Team.objects.get(municipality=municipality, kind=Team.Kind.WIJKTEAM)
    assert (
        WorkBasketGroupObjectPermission.objects.filter(group__name=f"debtsignal-team-{office.pk}").count()
        == 9
    )
    assert (
        WorkBasketGroupObjectPermission.objects.filter(group__name=f"debtsignal-team-{wijkteam.pk}").count()
        == 1
    )
    assert WorkItem.objects.filter(shared_with=wijkteam).count() == 3
