import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from intake.arrears import rules
from intake.arrears.ddas import (
    EnumContactsoort,
    EnumDagdeel,
    EnumEindresultaat,
    EnumSignaalpartner,
    EnumSignaalstatus,
)
from intake.arrears.rules import ArrearsRules, EarlierReport, FeedbackStatus, ReportFacts, Verdict

SCHEMA = Path("/work/shared/standards/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json")
SIGNAL_DATE = dt.date(2026, 6, 1)
DEFAULTS = ArrearsRules()


def report(partner_type: str, *, age_days: int, amount: str = "100") -> ReportFacts:
    return ReportFacts(
        partner_type=partner_type,
        amount=Decimal(amount),
        arrears_since=SIGNAL_DATE - dt.timedelta(days=age_days),
        signal_date=SIGNAL_DATE,
    )


@pytest.mark.parametrize(
    ("enum", "definition"),
    [
        (EnumSignaalpartner, "EnumSignaalpartner"),
        (EnumEindresultaat, "EnumEindresultaat"),
        (EnumContactsoort, "EnumContactsoort"),
        (EnumDagdeel, "EnumDagdeel"),
        (EnumSignaalstatus, "EnumSignaalstatus"),
    ],
)
def test_enums_equal_the_ddas_schema(enum, definition):
    schema = json.loads(SCHEMA.read_text())

    assert enum.values == schema["$defs"][definition]["enum"]


@pytest.mark.parametrize("partner_type", ["Energie", "Huur", "Water", "Zorg"])
@pytest.mark.parametrize(
    ("age_days", "verdict"),
    [
        (29, Verdict.OUT_OF_WINDOW),
        (30, Verdict.ACCEPTED),
        (100, Verdict.ACCEPTED),
        (101, Verdict.OUT_OF_WINDOW),
    ],
)
def test_utility_window_is_30_to_100_days(partner_type, age_days, verdict):
    assert rules.assess(report(partner_type, age_days=age_days), earlier=[], rules=DEFAULTS) == verdict


@pytest.mark.parametrize(("age_days", "verdict"), [(180, Verdict.OUT_OF_WINDOW), (181, Verdict.ACCEPTED)])
def test_cak_health_insurance_needs_more_than_180_days(age_days, verdict):
    facts = report("CAK Zorgverzekeringen", age_days=age_days)

    assert rules.assess(facts, earlier=[], rules=DEFAULTS) == verdict


@pytest.mark.parametrize(
    ("amount", "verdict"), [("599.99", Verdict.OUT_OF_WINDOW), ("600", Verdict.ACCEPTED)]
)
def test_tax_office_needs_600_euros(amount, verdict):
    facts = report("Belastingdienst", age_days=5, amount=amount)

    assert rules.assess(facts, earlier=[], rules=DEFAULTS) == verdict


@pytest.mark.parametrize(
    "partner_type", ["Hypotheek", "DUO", "CAK Eigen bijdrage", "Overige", "Dienst Toeslagen"]
)
def test_other_partner_types_have_no_window(partner_type):
    assert rules.assess(report(partner_type, age_days=1000), earlier=[], rules=DEFAULTS) == Verdict.ACCEPTED


def test_municipal_minimum_amount_closes_smaller_reports():
    settings = ArrearsRules(minimum_amount=Decimal(150))

    assert rules.assess(report("Huur", age_days=40, amount="149.99"), earlier=[], rules=settings) == (
        Verdict.BELOW_MINIMUM
    )
    assert (
        rules.assess(report("Huur", age_days=40, amount="150"), earlier=[], rules=settings)
        == Verdict.ACCEPTED
    )


def test_window_is_a_setting_per_partner_type():
    settings = ArrearsRules(partner_rules={"Huur": rules.PartnerRule(min_age_days=10, max_age_days=20)})

    assert rules.assess(report("Huur", age_days=15), earlier=[], rules=settings) == Verdict.ACCEPTED
    assert rules.assess(report("Huur", age_days=40), earlier=[], rules=settings) == Verdict.OUT_OF_WINDOW


def test_same_arrears_again_at_the_same_amount_is_a_repeat():
    facts = report("Huur", age_days=40, amount="500")
    earlier = [EarlierReport(arrears_since=facts.arrears_since, amount=Decimal(500))]

    assert rules.assess(facts, earlier=earlier, rules=DEFAULTS) == Verdict.REPEAT


def test_same_arrears_with_a_higher_amount_is_picked_up():
    facts = report("Huur", age_days=40, amount="500.01")
    earlier = [EarlierReport(arrears_since=facts.arrears_since, amount=Decimal(500))]

    assert rules.assess(facts, earlier=earlier, rules=DEFAULTS) == Verdict.ACCEPTED


def test_other_arrears_since_is_not_a_repeat():
    facts = report("Huur", age_days=40, amount="100")
    earlier = [EarlierReport(arrears_since=facts.arrears_since - dt.timedelta(days=1), amount=Decimal(900))]

    assert rules.assess(facts, earlier=earlier, rules=DEFAULTS) == Verdict.ACCEPTED


def test_verdict_results_are_ddas_end_results():
    assert [v.result for v in Verdict] == [
        None,
        "Niet opgepakt: onterecht signaal",
        "Niet opgepakt: onterecht signaal",
        "Niet opgepakt: herhaalde melding",
    ]


def test_regular_term_is_four_weeks():
    assert rules.due_date(signal_date=dt.date(2026, 4, 1), is_crisis=False, rules=DEFAULTS) == dt.date(
        2026, 4, 29
    )


def test_crisis_term_skips_the_weekend():
    # Thursday 2026-06-04 + 3 working days: Fri, Mon, Tue.
    assert rules.due_date(signal_date=dt.date(2026, 6, 4), is_crisis=True, rules=DEFAULTS) == dt.date(
        2026, 6, 9
    )


def test_crisis_term_skips_easter_and_kings_day():
    # Thursday 2026-04-02: Good Friday 3 Apr, weekend, Easter Monday 6 Apr -> Tue 7, Wed 8, Thu 9.
    assert rules.due_date(signal_date=dt.date(2026, 4, 2), is_crisis=True, rules=DEFAULTS) == dt.date(
        2026, 4, 9
    )
    # Friday 2026-04-24: weekend, King's Day Monday 27 Apr -> Tue 28, Wed 29, Thu 30.
    assert rules.due_date(signal_date=dt.date(2026, 4, 24), is_crisis=True, rules=DEFAULTS) == dt.date(
        2026, 4, 30
    )


def test_crisis_term_over_christmas_and_new_year():
    # Wednesday 2025-12-24: Christmas 25+26, weekend, Mon 29, Tue 30, Wed 31.
    assert rules.due_date(signal_date=dt.date(2025, 12, 24), is_crisis=True, rules=DEFAULTS) == dt.date(
        2025, 12, 31
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2024, 1, 30), 1, dt.date(2024, 2, 29)),
    ],
)
def test_add_months_clips_to_month_end(day, months, expected):
    assert rules.add_months(day, months) == expected


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
def test_part_of_day(moment, expected):
    assert rules.part_of_day(moment) == expected


def test_feedback_hides_the_other_reason():
    feedback = rules.supplier_feedback(status=FeedbackStatus.CLOSED, result=EnumEindresultaat.OTHER_REASON)

    assert (feedback.status, feedback.result) == ("not_picked_up", None)


@pytest.mark.parametrize("result", [EnumEindresultaat.UNJUSTIFIED, EnumEindresultaat.REPEAT])
def test_feedback_shows_window_and_repeat_results(result):
    feedback = rules.supplier_feedback(status=FeedbackStatus.CLOSED, result=result)

    assert (feedback.status, feedback.result) == ("not_picked_up", result)


def test_feedback_of_a_closed_case_shows_its_result():
    feedback = rules.supplier_feedback(status=FeedbackStatus.HELP_STARTED, result=EnumEindresultaat.ADVICE)

    assert (feedback.status, feedback.result) == ("closed", "(Budget)advies en/of quick fix")


def test_feedback_of_an_open_report_passes_its_status():
    feedback = rules.supplier_feedback(status=FeedbackStatus.CONTACT_MADE, result=None)

    assert (feedback.status, feedback.result) == ("contact_made", None)
