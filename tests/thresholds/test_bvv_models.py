from datetime import date
from decimal import Decimal as D

import pytest

from tests.tenancy.factories import MunicipalityFactory, UserFactory
from tests.thresholds.bvv_parameters import JANUARY_2026, JULY_2026, load_published_parameter_sets
from thresholds import bvv, bvv_services
from thresholds.models.bvv import PARAMETER_FIELDS, BvvParameterSet, RepaymentPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def published_parameter_sets(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_published_parameter_sets()


def test_migration_loads_the_two_published_sets_of_2026():
    loaded = [row.as_parameters() for row in BvvParameterSet.objects.order_by("valid_from")]

    assert loaded == [JANUARY_2026, JULY_2026]


def test_every_loaded_value_has_its_source():
    for row in BvvParameterSet.objects.all():
        assert sorted(row.sources) == sorted(PARAMETER_FIELDS)
        assert all(source.strip() for source in row.sources.values())


def test_loaded_amounts_read_as_published():
    january = BvvParameterSet.objects.get(valid_from=date(2026, 1, 1)).as_parameters()

    assert (str(january.norm_single), str(january.healthcare_threshold), str(january.standard_premium)) == (
        "1401.5",
        "29735.424",
        "2119",
    )


@pytest.mark.parametrize(
    ("on", "valid_from"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 6, 30), date(2026, 1, 1)),
        (date(2026, 7, 1), date(2026, 7, 1)),
    ],
)
def test_the_set_in_force_is_chosen_by_date(on, valid_from):
    assert bvv_services.parameters_on(on).valid_from == valid_from


def test_a_date_before_the_first_set_is_refused():
    with pytest.raises(bvv.NoBvvParameters, match="no BVV parameters for this date"):
        bvv_services.parameters_on(date(2025, 12, 31))


def test_a_closed_set_refuses_dates_after_it():
    BvvParameterSet.objects.filter(valid_from=date(2026, 7, 1)).update(valid_until=date(2026, 12, 31))

    with pytest.raises(bvv.NoBvvParameters):
        bvv_services.parameters_on(date(2027, 1, 1))


def test_calculate_uses_the_stored_set():
    calculation = bvv_services.calculate(
        household=bvv.HouseholdType.COUPLE_CHILDREN, yearly_income=D("82387.09"), on=date(2026, 3, 1)
    )

    assert calculation.bvv == D("3155.31")


def test_municipality_without_policy_gets_the_defaults():
    terms = bvv_services.repayment_terms(municipality=MunicipalityFactory(), on=date(2026, 3, 1))

    assert terms == bvv.RepaymentTerms(norm_percentage=D(5), excess_percentage=D(35))


def test_policy_changes_keep_their_history_and_apply_from_their_date():
    municipality = MunicipalityFactory()
    user = UserFactory()
    first = bvv_services.change_repayment_policy(
        municipality=municipality,
        user=user,
        valid_from=date(2026, 1, 1),
        norm_percentage=D(5),
        excess_percentage=D(30),
        reason="Beleid 2026",
    )
    second = bvv_services.change_repayment_policy(
        municipality=municipality,
        user=user,
        valid_from=date(2026, 7, 1),
        norm_percentage=D(4),
        excess_percentage=D(25),
    )

    assert list(RepaymentPolicy.objects.for_municipality(municipality)) == [second, first]
    assert bvv_services.repayment_terms(
        municipality=municipality, on=date(2026, 6, 30)
    ) == bvv.RepaymentTerms(D(5), D(30))
    assert bvv_services.repayment_terms(municipality=municipality, on=date(2026, 7, 1)) == bvv.RepaymentTerms(
        D(4), D(25)
    )


def test_a_later_change_for_the_same_date_wins():
    municipality = MunicipalityFactory()
    for excess in (D(30), D(20)):
        bvv_services.change_repayment_policy(
            municipality=municipality,
            user=None,
            valid_from=date(2026, 1, 1),
            norm_percentage=D(5),
            excess_percentage=excess,
        )

    assert bvv_services.repayment_terms(
        municipality=municipality, on=date(2026, 2, 1)
    ).excess_percentage == D(20)


def test_another_municipalitys_policy_does_not_apply():
    bvv_services.change_repayment_policy(
        municipality=MunicipalityFactory(),
        user=None,
        valid_from=date(2026, 1, 1),
        norm_percentage=D(0),
        excess_percentage=D(0),
    )

    terms = bvv_services.repayment_terms(municipality=MunicipalityFactory(), on=date(2026, 2, 1))

    assert terms == bvv.DEFAULT_REPAYMENT_TERMS


def test_figures_for_many_debtors_take_two_queries(django_assert_num_queries):
    municipality = MunicipalityFactory()
    bvv_services.change_repayment_policy(
        municipality=municipality,
        user=None,
        valid_from=date(2026, 1, 1),
        norm_percentage=D(5),
        excess_percentage=D(10),
    )
    debtors = [
        bvv.DebtorIncome(
            debtor_id=n, household_type="alleenstaand", monthly_incomes=[D("2000")] * 4, instalment=D(25)
        )
        for n in range(50)
    ]

    with django_assert_num_queries(2):
        found = bvv_services.figures_for(municipality=municipality, period=date(2026, 3, 1), debtors=debtors)

    # C = 24000: BVV 1344.36; capacity 70.075 + 0.10 x 598.50 = 129.925 -> 129.92
    assert {(f.calculation.bvv, f.capacity, f.capacity_gap) for f in found.values()} == {
        (D("1344.36"), D("129.92"), D("104.92"))
    }
    assert sorted(found) == list(range(50))


def test_figures_for_a_period_without_parameters_are_refused():
    with pytest.raises(bvv.NoBvvParameters):
        bvv_services.figures_for(municipality=MunicipalityFactory(), period=date(2025, 6, 1), debtors=[])
