import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from intake.models import ArrearsReport, DebtorSnapshot
from reporting import figures
from signals.models import Signal, SignalType
from tests.reporting.factories import (
    PERIOD,
    ArrearsCaseFactory,
    ArrearsReportFactory,
    DebtorSnapshotFactory,
    SignalFactory,
    WorkBasketFactory,
    WorkItemFactory,
)
from workbaskets.models import WorkItem


def at(day: int, month: int = 10, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def other_data(other_municipality):
    """Data of another municipality, which must never count."""
    SignalFactory(debtor__municipality=other_municipality)
    ArrearsReportFactory(case__municipality=other_municipality)
    DebtorSnapshotFactory(debtor__municipality=other_municipality)
    WorkItemFactory(municipality=other_municipality)


@pytest.mark.django_db
def test_signals_per_type_and_category_equal_the_database(municipality, other_data):
    SignalFactory.create_batch(
        3, debtor__municipality=municipality, type=SignalType.INCOME_RISE, category="payer"
    )
    SignalFactory(debtor__municipality=municipality, type=SignalType.ASSETS, category="vow")
    SignalFactory(debtor__municipality=municipality, type=SignalType.ASSETS, category="non_payer")
    SignalFactory(debtor__municipality=municipality, period=datetime.date(2026, 9, 1))  # another month

    table = figures.signals_per_type_and_category(municipality, PERIOD)

    rows = {row[0]: row[1:] for row in table.rows}
    assert rows[str(SignalType.INCOME_RISE.label)] == [3, 0, 0, 3]
    assert rows[str(SignalType.ASSETS.label)] == [0, 1, 1, 2]
    assert rows[str(SignalType.VEHICLE.label)] == [0, 0, 0, 0]
    assert table.rows[-1][1:] == [3, 1, 1, 5]
    assert table.rows[-1][-1] == Signal.objects.for_municipality(municipality).filter(period=PERIOD).count()


@pytest.mark.django_db
def test_signal_trend_covers_twelve_months_ending_at_the_period(municipality, other_data):
    SignalFactory(debtor__municipality=municipality, period=datetime.date(2025, 11, 1), category="vow")
    SignalFactory(debtor__municipality=municipality, period=datetime.date(2025, 10, 1))  # 13 months back
    SignalFactory.create_batch(2, debtor__municipality=municipality, category="non_payer")

    table = figures.signal_trend(municipality, PERIOD)

    assert [row[0] for row in table.rows] == [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)]] + [
        f"2026-{m:02d}" for m in range(1, 11)
    ]
    assert table.rows[0][1:] == [0, 0, 1]
    assert table.rows[-1][1:] == [0, 2, 0]
    assert sum(sum(row[1:]) for row in table.rows) == 3


@pytest.mark.django_db
def test_arrears_per_partner_type_and_district(municipality, other_data):
    DebtorSnapshotFactory(debtor__municipality=municipality, postcode="5678CD", district="Noord")
    ArrearsReportFactory(
        case__municipality=municipality, partner_type="Huur", amount=Decimal("800.00"), crisis=True
    )
    ArrearsReportFactory(case__municipality=municipality, partner_type="Huur", amount=Decimal("200.50"))
    ArrearsReportFactory(
        case__municipality=municipality,
        case__postcode="1111AA",
        partner_type="Water",
        amount=Decimal("99.00"),
    )
    ArrearsReportFactory(
        case__municipality=municipality, signal_date=datetime.date(2026, 11, 1)
    )  # next month

    partner = figures.arrears_per_partner_type(municipality, PERIOD)
    with translation.override("en"):
        district = figures.arrears_per_district(municipality, PERIOD)

    assert partner.rows == [["Huur", 2, 1, Decimal("1000.50")], ["Water", 1, 0, Decimal("99.00")]]
    assert district.rows == [["Noord", 2, Decimal("1000.50")], ["unknown", 1, Decimal("99.00")]]
    in_month = ArrearsReport.objects.for_municipality(municipality).filter(signal_date__month=10)
    assert sum(row[1] for row in partner.rows) == in_month.count() == sum(row[1] for row in district.rows)


@pytest.mark.django_db
def test_baskets_count_inflow_open_closed_and_overdue(municipality, other_data):
    basket = WorkBasketFactory(municipality=municipality, name="Crisis", position=0)
    empty = WorkBasketFactory(municipality=municipality, name="Overig", position=1)

    def item(created: datetime.datetime, *, closed: datetime.datetime | None = None, due: int = 20):
        with time_machine.travel(created, tick=False):
            made = WorkItemFactory(
                municipality=municipality,
                basket=basket,
                due_date=datetime.date(2026, 10, due),
                closed_at=closed,
            )
        return made

    item(at(2))  # inflow, open, overdue at month end
    item(at(3), due=31)  # inflow, open, due on the last day: not overdue
    item(at(4), closed=at(20))  # inflow, closed
    item(at(15, month=9), closed=at(1, month=11))  # open at the end of October, overdue
    item(at(15, month=9), closed=at(30, month=9))  # closed before: counts nowhere
    item(at(1, month=11))  # next month

    table = figures.baskets(municipality, PERIOD)

    assert table.rows == [["Crisis", 3, 3, 1, 2], ["Overig", 0, 0, 0, 0]]
    assert empty.items.count() == 0


@pytest.mark.django_db
def test_outcomes_of_items_closed_in_the_month(municipality, other_data):
    for outcome in ("instalment raised", "instalment raised", "no contact"):
        WorkItemFactory(
            municipality=municipality,
            debtor_signal=True,
            status=WorkItem.Status.CLOSED,
            closed_at=at(9),
            outcome=outcome,
        )
    WorkItemFactory(
        municipality=municipality, status=WorkItem.Status.CLOSED, closed_at=at(9, month=9), outcome="x"
    )

    table = figures.outcomes(municipality, PERIOD)

    label = str(WorkItem.Kind.DEBTOR_SIGNAL.label)
    assert table.rows == [[label, "instalment raised", 2], [label, "no contact", 1]]


@pytest.mark.django_db
def test_reach_and_days_to_first_contact_against_the_terms(municipality, other_data):
    opened = datetime.date(2026, 10, 1)
    ArrearsCaseFactory(
        municipality=municipality,
        opened_on=opened,
        due_date=datetime.date(2026, 10, 29),
        first_contact_at=at(11),
    )  # 10 days, in term
    ArrearsCaseFactory(
        municipality=municipality,
        opened_on=opened,
        due_date=datetime.date(2026, 10, 29),
        first_contact_at=at(31),
    )  # 30 days, late
    ArrearsCaseFactory(
        municipality=municipality,
        opened_on=opened,
        crisis=True,
        due_date=datetime.date(2026, 10, 6),
        first_contact_at=at(5),
    )  # 4 days, in term
    ArrearsCaseFactory(
        municipality=municipality, opened_on=opened, due_date=datetime.date(2026, 10, 29)
    )  # no contact
    ArrearsCaseFactory(
        municipality=municipality,
        opened_on=datetime.date(2026, 9, 1),
        due_date=datetime.date(2026, 9, 29),
        first_contact_at=at(2),
    )  # opened before, contact in Oct

    reach = figures.reach(municipality, PERIOD)
    terms = figures.days_to_first_contact(municipality, PERIOD)

    assert reach.rows == [[4, 3, Decimal("75.0")]]
    regular, crisis = terms.rows
    # regular: 10 days (in term), 30 days (late) and 31 days from September (late)
    assert regular[2:] == [3, Decimal("23.7"), 1, Decimal("33.3")]
    assert crisis[2:] == [1, Decimal("4.0"), 1, Decimal("100.0")]


@pytest.mark.django_db
def test_collection_ratio_per_category_equals_the_snapshot_sums(municipality, other_data):
    DebtorSnapshotFactory(
        debtor__municipality=municipality, instalment=Decimal("50.00"), paid_last_month=Decimal("50.00")
    )
    DebtorSnapshotFactory(
        debtor__municipality=municipality, instalment=Decimal("100.00"), paid_last_month=Decimal("25.00")
    )
    DebtorSnapshotFactory(
        debtor__municipality=municipality, category="non_payer", instalment=None, paid_last_month=None
    )
    DebtorSnapshotFactory(debtor__municipality=municipality, period=datetime.date(2026, 9, 1))

    table = figures.collection_ratio(municipality, PERIOD)

    payer, non_payer, vow = table.rows
    assert payer[1:] == [2, Decimal("150.00"), Decimal("75.00"), Decimal("50.0")]
    assert non_payer[1:] == [1, Decimal("0.00"), Decimal("0.00"), None]
    assert vow[1:] == [0, Decimal("0.00"), Decimal("0.00"), None]
    assert (
        payer[1] + non_payer[1]
        == DebtorSnapshot.objects.for_municipality(municipality).filter(period=PERIOD).count()
    )


@pytest.mark.django_db
def test_figures_survive_a_round_trip_through_json(municipality):
    SignalFactory(debtor__municipality=municipality)
    DebtorSnapshotFactory(debtor__municipality=municipality)

    found = figures.management_figures(municipality=municipality, period=PERIOD)

    again = figures.Figures.from_json(found.to_json())
    assert again.period == PERIOD
    assert list(again.tables) == [
        "signals",
        "signal_trend",
        "arrears_partner",
        "arrears_district",
        "baskets",
        "outcomes",
        "reach",
        "first_contact",
        "collection",
    ]
    assert again.tables["collection"].rows[0][2] == "50.00"
