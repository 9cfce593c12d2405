"""The synthetic generator: deterministic, valid, readable by our own parsers, and every signal has a case."""

from datetime import date

import numpy as np
import pytest
from stdnum.nl import bsn as stdnum_bsn

from intake import demo, parsers

LAST = date(2026, 10, 1)
T, R_ABS, R_PCT, N, L, V, A, W = 150_000, 10_000, 10, 2, 12, 140_000, 750_000, 500_000  # cents


@pytest.fixture(scope="module")
def data() -> demo.SyntheticData:
    return demo.generate(seed=7, debtors=4000, months=12, last_period=LAST)


def income_matrix(data: demo.SyntheticData) -> np.ndarray:
    matrix = np.zeros((data.size, len(data.periods)), dtype=np.int64)
    np.add.at(matrix, (data.income_debtor, data.income_month), data.income_cents)
    return matrix


def test_same_seed_same_data():
    first = demo.generate(seed=1, debtors=500, months=6, last_period=LAST)
    second = demo.generate(seed=1, debtors=500, months=6, last_period=LAST)

    assert demo.income_table(first, months=range(6)).equals(demo.income_table(second, months=range(6)))
    assert demo.debtor_table(first, 5).equals(demo.debtor_table(second, 5))


def test_bsns_are_unique_valid_and_from_the_test_range(data):
    numbers = [f"{number:09d}" for number in data.bsn]

    assert len(set(numbers)) == data.size
    assert all(number.startswith("9") and stdnum_bsn.is_valid(number) for number in numbers)


def test_every_scenario_has_debtors_firing_in_the_current_month(data):
    current = len(data.periods) - 1
    counts = {code: int(((data.scenario == code) & (data.event == current)).sum()) for code in range(1, 9)}

    assert all(count > 0 for count in counts.values()), counts


def test_income_histories_meet_the_signal_conditions_at_their_event(data):
    income = income_matrix(data)
    above = income >= T
    for code in (demo.INCOME_ABOVE_THRESHOLD, demo.INCOME_ABOVE_AFTER_DROP):
        for debtor in np.flatnonzero(data.scenario == code):
            e = data.event[debtor]
            assert above[debtor, e - N + 1 : e + 1].all()
            assert not above[debtor, e - N]
            earlier = above[debtor, max(0, e - L) : e - N]
            assert earlier.any() == (code == demo.INCOME_ABOVE_AFTER_DROP)
    for debtor in np.flatnonzero(data.scenario == demo.INCOME_RISE):
        e, reference = data.event[debtor], data.known_income_cents[debtor]
        rise = above[debtor] & (income[debtor] - reference >= max(R_ABS, reference * R_PCT // 100))
        assert rise[e - N + 1 : e + 1].all()
        assert not rise[e - N]
    for code, is_above in ((demo.VOW_FOUND_ABOVE_NORM, True), (demo.VOW_FOUND_BELOW_NORM, False)):
        for debtor in np.flatnonzero(data.scenario == code):
            e = data.event[debtor]
            assert data.category[debtor, e] == demo.VOW
            assert income[debtor, e] > 0
            assert (income[debtor, e] >= V) == is_above
            assert income[debtor, e - 1] == 0


def test_new_sources_assets_and_vehicles_appear_at_their_event(data):
    for debtor in np.flatnonzero(data.scenario == demo.NEW_INCOME_SOURCE):
        e = data.event[debtor]
        rows = data.income_debtor == debtor
        first_month = {}
        for source, month in zip(data.income_source[rows], data.income_month[rows], strict=True):
            first_month.setdefault(source, month)
        assert sorted(first_month.values())[-1] == e
        assert data.category[debtor, : e + 1].min() >= 0
    for debtor in np.flatnonzero(data.scenario == demo.ASSETS):
        e = data.event[debtor]
        rows = data.balance_debtor == debtor
        balances = dict(
            zip(data.balance_date[rows].astype("datetime64[M]"), data.balance_cents[rows], strict=True)
        )
        assert balances[np.datetime64(data.periods[e], "M")] >= A
        assert balances.get(np.datetime64(data.periods[e - 1], "M"), 0) < A if e else True
    for debtor in np.flatnonzero(data.scenario == demo.VEHICLE):
        rows = data.vehicle_debtor == debtor
        assert data.vehicle_from[rows].tolist() == [data.event[debtor]]
        assert data.vehicle_cents[rows].tolist() == [1_200_000]


@pytest.mark.parametrize(
    "style",
    [
        demo.FileStyle(),
        demo.FileStyle(
            delimiter=";", decimal_comma=True, dutch_dates=True, dutch_headers=True, encoding="cp1252"
        ),
        demo.FileStyle(delimiter=";", encoding="utf-8-sig", dutch_headers=True),
    ],
)
def test_written_files_read_back_through_the_parsers(tmp_path, data, style):
    month = len(data.periods) - 1
    tables = {
        parsers.DEBTORS: demo.debtor_table(data, month),
        parsers.INCOME: demo.income_table(data),
        parsers.BALANCES: demo.balance_table(data),
        parsers.VEHICLES: demo.vehicle_table(data, month),
    }
    for kind, table in tables.items():
        path = demo.write_file(table, tmp_path / f"{kind}.csv", kind=kind, style=style)

        chunks = list(parsers.read_delivery(path, kind=kind, period=LAST))

        assert [error for chunk in chunks for error in chunk.errors] == []
        assert sum(chunk.table.num_rows for chunk in chunks) == table.num_rows
