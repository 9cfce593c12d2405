import datetime as dt

import pytest

from workbaskets.terms import add_working_days, item_due, legal_due, part_of_day, step_due

FRIDAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (FRIDAY, 1, dt.date(2026, 11, 23)),
        (FRIDAY, 3, dt.date(2026, 11, 25)),
        (dt.date(2026, 12, 23), 3, dt.date(2026, 12, 29)),  # Christmas and Boxing Day skipped
        (dt.date(2026, 4, 24), 1, dt.date(2026, 4, 28)),  # King's Day, Monday 27 April
        (FRIDAY, 0, FRIDAY),
    ],
)
def test_add_working_days_skips_weekends_and_dutch_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


def test_legal_due_is_four_weeks_or_three_working_days_in_a_crisis():
    assert legal_due(FRIDAY, crisis=False) == dt.date(2026, 12, 18)
    assert legal_due(FRIDAY, crisis=True) == dt.date(2026, 11, 25)


def test_step_due_in_calendar_or_working_days():
    assert step_due(FRIDAY, term_days=14, working_days=False) == dt.date(2026, 12, 4)
    assert step_due(FRIDAY, term_days=3, working_days=True) == dt.date(2026, 11, 25)


def test_item_due_takes_the_earliest_term():
    assert item_due(step_start=FRIDAY, term_days=14, legal=dt.date(2026, 11, 25)) == dt.date(2026, 11, 25)
    assert item_due(step_start=FRIDAY, term_days=3, legal=dt.date(2026, 12, 18)) == dt.date(2026, 11, 23)
    assert item_due(step_start=FRIDAY, term_days=None) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.time(0, 0), "Ochtend"),
        (dt.time(11, 59), "Ochtend"),
        (dt.time(12, 0), "Middag"),
        (dt.time(17, 59), "Middag"),
        (dt.time(18, 0), "Avond"),
        (dt.time(23, 59), "Avond"),
    ],
)
def test_part_of_day_follows_ddas(moment, expected):
    assert part_of_day(moment) == expected
