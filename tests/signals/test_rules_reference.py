"""The vectorised rules agree with a literal, per-debtor reading of domain.md section 4."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from signals import rules
from signals.rules import SignalType

from .builders import all_on, debtor, evaluation_input

M = rules.month_number(date(2026, 1, 1))
AMOUNTS = st.sampled_from([0, 50_000, 100_000, 139_999, 140_000, 149_999, 150_000, 160_000, 170_000, 250_000])


def reference_signals(*, category, known, previous_category, in_earlier_file, income, t: rules.Thresholds):
    """Read the spec literally: income is {(month, source): cents}."""

    def inc(m):
        return sum(amount for (month, _), amount in income.items() if month == m)

    threshold = rules.cents(t.income)
    n, look_back = t.persistence, t.look_back

    def above(m):
        return inc(m) >= threshold

    found = []
    window = all(above(M - k) for k in range(n)) and not above(M - n)
    earlier = any(above(m) for m in range(M - look_back, M - n))
    if category != "vow":
        if window and not earlier:
            found.append(SignalType.INCOME_ABOVE_THRESHOLD)
        if window and earlier:
            found.append(SignalType.INCOME_ABOVE_AFTER_DROP)
        ref = Decimal(known) if known is not None else Decimal(sum(inc(M - n - k) for k in range(3))) / 3

        def rise(m):
            required = max(Decimal(rules.cents(t.rise_abs)), ref * t.rise_pct / 100)
            return above(m) and inc(m) - ref >= required

        if ref != 0 and all(rise(M - k) for k in range(n)) and not rise(M - n):
            found.append(SignalType.INCOME_RISE)
        if in_earlier_file:
            for source in sorted({s for (month, s), amount in income.items() if month == M and amount > 0}):
                earlier_paid = any(
                    amount > 0
                    for (month, s), amount in income.items()
                    if s == source and M - look_back <= month < M
                )
                if not earlier_paid:
                    found.append((SignalType.NEW_INCOME_SOURCE, source))
    else:
        if inc(M) > 0 and not (previous_category == "vow" and inc(M - 1) > 0):
            vow_norm = rules.cents(t.vow_norm)
            found.append(
                SignalType.VOW_FOUND_ABOVE_NORM if inc(M) >= vow_norm else SignalType.VOW_FOUND_BELOW_NORM
            )
    return found


# The main source pays every month up to `quiet` months back (a new job), nothing before.
main_source = st.tuples(
    st.lists(AMOUNTS, min_size=17, max_size=17), st.integers(min_value=0, max_value=16)
).map(lambda pair: {(M - k, "S1"): amount if k <= pair[1] else 0 for k, amount in enumerate(pair[0])})
side_source = st.dictionaries(
    st.tuples(st.integers(min_value=M - 16, max_value=M), st.just("S2")), AMOUNTS, max_size=4
)
histories = st.tuples(main_source, side_source).map(lambda pair: {**pair[0], **pair[1]})


@settings(max_examples=400, deadline=None)
@given(
    histories=st.lists(
        st.tuples(
            st.sampled_from(["payer", "non_payer", "vow"]),
            st.one_of(st.none(), AMOUNTS),
            st.sampled_from(["payer", "vow", None]),
            st.booleans(),
            histories,
        ),
        min_size=1,
        max_size=6,
    ),
    persistence=st.integers(min_value=1, max_value=4),
    look_back=st.integers(min_value=4, max_value=13),
)
def test_rules_match_a_literal_reading_of_the_spec(histories, persistence, look_back):
    thresholds = all_on(persistence=persistence, look_back=look_back)
    debtors, income, expected = [], [], []
    for debtor_id, (category, known, previous, earlier, history) in enumerate(histories, start=1):
        debtors.append(
            debtor(
                debtor_id,
                category=category,
                known_income=None if known is None else Decimal(known) / 100,
                previous_category=previous,
                in_earlier_file=earlier,
            )
        )
        for (month, source), amount in sorted(history.items()):
            income.append(
                {
                    "debtor_id": debtor_id,
                    "period": month,
                    "source_id": source,
                    "source_name": "",
                    "income_kind": "",
                    "amount": amount,
                }
            )
        for item in reference_signals(
            category=category,
            known=known,
            previous_category=previous,
            in_earlier_file=earlier,
            income=history,
            t=thresholds[category],
        ):
            signal_type, key = item if isinstance(item, tuple) else (item, "")
            expected.append((debtor_id, signal_type.value, key))

    found = rules.evaluate(evaluation_input(debtors, income=income), thresholds=thresholds)

    assert sorted((s.debtor_id, s.type.value, s.evidence_key) for s in found) == sorted(expected)
