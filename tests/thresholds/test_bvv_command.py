from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.thresholds.bvv_parameters import load_published_parameter_sets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def published_parameter_sets(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_published_parameter_sets()


def run(*arguments: str) -> list[str]:
    out = StringIO()
    call_command("beslagvrije_voet", *arguments, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("household", "income", "on", "last_line"),
    [
        ("single", "70000", "2026-01-01", "BVV: 2191.42"),
        ("single_parent", "82387.09", "2026-07-01", "BVV: 2543.75"),
        ("couple", "71439.16", "2026-12-31", "BVV: 2905.79"),
        ("couple_children", "82387.09", "2026-06-30", "BVV: 3155.31"),
        ("couple", "12000", "2026-07-01", "BVV: 950.00"),
    ],
)
def test_last_line_is_the_bvv(household, income, on, last_line):
    lines = run("--household", household, "--yearly-income", income, "--date", on)

    assert lines[-1] == last_line


def test_every_term_and_the_article_are_printed():
    lines = run("--household", "single", "--yearly-income", "40000", "--date", "2026-01-01")

    assert lines == [
        "Parameters valid from: 2026-01-01",
        "Household: single",
        "Yearly income (C): 40000",
        "Norm: 1401.50",
        "95% of norm: 1331.43",
        "Healthcare (zorg): 117.44",
        "Housing (woon): 372.94",
        "Child budget (kgb): 0.00",
        "Sum of terms: 1821.81",
        "Cap: 2191.42",
        "95% of monthly income: 3166.67",
        "Article: Rv art. 475da",
        "BVV: 1821.81",
    ]


def test_a_date_without_parameters_is_refused():
    with pytest.raises(CommandError, match=r"no BVV parameters for this date \(2025-12-31\)"):
        run("--household", "single", "--yearly-income", "30000", "--date", "2025-12-31")


def test_an_unknown_household_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("--household", "samenwonend", "--yearly-income", "30000", "--date", "2026-01-01")


def test_a_negative_income_is_refused():
    with pytest.raises(CommandError, match="not an amount"):
        run("--household", "single", "--yearly-income", "-5", "--date", "2026-01-01")
