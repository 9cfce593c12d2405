import datetime
from decimal import Decimal

import pytest

from signals import services
from signals.models import EvaluationRun, Signal
from tests.tenancy.factories import MunicipalityFactory
from thresholds.models import ThresholdProfile

from . import scenario
from .factories import DebtorExclusionFactory

pytestmark = pytest.mark.django_db


def test_run_finds_every_signal_type_once(municipality):
    scenario.build(municipality)

    run = scenario.run_inline(municipality)

    assert run.status == EvaluationRun.Status.FINISHED
    assert (run.debtors_total, run.debtors_done, run.signals_found) == (9, 9, 8)
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert run.counts == {
        "INCOME_RISE": {"payer": 1},
        "INCOME_ABOVE_THRESHOLD": {"non_payer": 1},
        "INCOME_ABOVE_AFTER_DROP": {"non_payer": 1},
        "NEW_INCOME_SOURCE": {"payer": 1},
        "VOW_FOUND_ABOVE_NORM": {"vow": 1},
        "VOW_FOUND_BELOW_NORM": {"vow": 1},
        "ASSETS": {"payer": 1},
        "VEHICLE": {"payer": 1},
    }


def test_stored_evidence_names_the_sources(municipality):
    scenario.build(municipality)

    scenario.run_inline(municipality)

    signal = Signal.objects.get(municipality=municipality, type="NEW_INCOME_SOURCE")
    assert signal.evidence == {
        "source_id": "L002",
        "source_name": "Uitzendbureau Vlot",
        "income_kind": "employment",
        "amount": "300.00",
        "period": "2026-01",
        "thresholds": {"look_back": 12},
    }
    rise = Signal.objects.get(municipality=municipality, type="INCOME_RISE")
    assert rise.evidence["months"][-1] == {
        "period": "2026-01",
        "income": "1710.00",
        "sources": [
            {
                "source_id": "L001",
                "source_name": "Bakkerij De Korenschoof",
                "income_kind": "employment",
                "amount": "1710.00",
            }
        ],
    }


def test_rerun_of_a_period_creates_no_duplicates(municipality):
    scenario.build(municipality)
    first = scenario.run_inline(municipality)

    again = scenario.run_inline(municipality, rerun=True)

    assert again.pk == first.pk
    assert again.status == EvaluationRun.Status.FINISHED
    assert again.signals_found == 8  # counted by the first pass; the rerun inserted none
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert Signal.objects.filter(municipality=municipality).count() == 8


def test_start_run_of_a_finished_period_without_rerun_changes_nothing(municipality):
    scenario.build(municipality)
    run = scenario.run_inline(municipality)

    same = services.start_run(municipality=municipality, period=scenario.JANUARY)

    assert same.pk == run.pk
    assert same.status == EvaluationRun.Status.FINISHED


def test_small_chunks_give_the_same_signals(municipality, settings):
    settings.SIGNALS_CHUNK_SIZE = 2
    scenario.build(municipality)

    run = scenario.run_inline(municipality)

    assert run.chunks.count() == 5
    assert scenario.stored(municipality) == scenario.EXPECTED


def test_other_municipality_data_is_not_read(municipality, other_municipality):
    scenario.build(municipality)
    scenario.build(other_municipality, prefix="X")

    scenario.run_inline(municipality)

    assert scenario.stored(municipality) == scenario.EXPECTED
    assert Signal.objects.filter(municipality=other_municipality).count() == 0


def test_excluded_debtor_gets_no_signal(municipality):
    debtors = scenario.build(municipality)
    DebtorExclusionFactory(debtor=debtors[7], ends_on=datetime.date(2026, 1, 1))
    DebtorExclusionFactory(debtor=debtors[8], ends_on=datetime.date(2025, 12, 31))  # ended before M

    scenario.run_inline(municipality)

    assert scenario.stored(municipality) == [row for row in scenario.EXPECTED if row[0] != "S07"]


def test_signal_is_marked_when_the_debtor_has_open_arrears(municipality):
    from intake.models import ArrearsCase

    debtors = scenario.build(municipality)
    ArrearsCase.objects.create(
        municipality=municipality,
        debtor=debtors[7],
        person_key="k",
        household_key="h",
        opened_on=datetime.date(2026, 1, 3),
        due_date=datetime.date(2026, 1, 31),
    )

    scenario.run_inline(municipality)

    assert list(
        Signal.objects.filter(municipality=municipality, has_open_arrears=True).values_list("type", flat=True)
    ) == ["ASSETS"]


def test_what_if_equals_a_real_run_with_the_new_values(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    thresholds = services.current_thresholds(municipality=municipality)
    changed = dict(thresholds)
    from dataclasses import replace

    changed["non_payer"] = replace(thresholds["non_payer"], income=Decimal(1650))
    changed["payer"] = replace(thresholds["payer"], assets=Decimal(9500), vehicle_value=Decimal(100))

    preview = services.what_if_counts(municipality=municipality, period=scenario.JANUARY, thresholds=changed)

    ThresholdProfile.objects.filter(municipality=municipality, category="non_payer").update(
        income_threshold=1650
    )
    ThresholdProfile.objects.filter(municipality=municipality, category="payer").update(
        asset_threshold=9500, vehicle_threshold=100
    )
    Signal.objects.filter(municipality=municipality).delete()
    scenario.run_inline(municipality, rerun=True)
    assert preview == services.stored_counts_per_type(municipality=municipality, period=scenario.JANUARY)
    assert preview == {
        "INCOME_ABOVE_THRESHOLD": 0,
        "INCOME_RISE": 1,
        "NEW_INCOME_SOURCE": 1,
        "INCOME_ABOVE_AFTER_DROP": 0,
        "VOW_FOUND_ABOVE_NORM": 1,
        "VOW_FOUND_BELOW_NORM": 1,
        "ASSETS": 0,
        "VEHICLE": 1,
    }


def test_export_rows(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)

    rows = list(services.export_rows(municipality=municipality, period=scenario.JANUARY))

    assert [row[:4] for row in rows] == [(ref, t, "2026-01", key) for ref, t, key in scenario.EXPECTED]
    assert rows[7][4] == (
        '{"plate": "NEW01X", "previous_snapshot": true, "registration_date": "2025-03-01", '
        '"thresholds": {"vehicle_value": "5000.00"}, "value": "8000.00"}'
    )


def test_start_due_runs_starts_municipalities_on_their_day(django_capture_on_commit_callbacks):
    due = MunicipalityFactory(evaluation_day=5)
    not_due = MunicipalityFactory(evaluation_day=6)
    scenario.build(due)
    scenario.build(not_due, prefix="N")

    with django_capture_on_commit_callbacks() as callbacks:
        started = services.start_due_runs(today=datetime.date(2026, 2, 5))

    assert [(run.municipality, run.period, run.status) for run in started] == [
        (due, scenario.JANUARY, "pending")
    ]
    assert len(callbacks) == 1
    assert not EvaluationRun.objects.filter(municipality=not_due).exists()


def test_start_due_runs_leaves_an_evaluated_period_alone(municipality, django_capture_on_commit_callbacks):
    scenario.build(municipality)
    scenario.run_inline(municipality)

    with django_capture_on_commit_callbacks() as callbacks:
        started = services.start_due_runs(today=datetime.date(2026, 2, municipality.evaluation_day))

    assert started == []
    assert callbacks == []


def test_a_chunk_that_fails_on_bad_data_marks_the_run_failed(municipality):
    from signals.models import EvaluationChunk

    scenario.build(municipality)
    run = services.start_run(municipality=municipality, period=scenario.JANUARY)
    services.run_evaluation(run=run)
    EvaluationRun.objects.filter(pk=run.pk).update(thresholds={"payer": {}})
    chunk = EvaluationChunk.objects.get(run=run)

    with pytest.raises(KeyError):
        services.evaluate_chunk(chunk_id=chunk.pk)

    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "KeyError: 'income'")
    assert EvaluationChunk.objects.get(pk=chunk.pk).status == "pending"


def test_income_signals_carry_the_bvv_figures(municipality):
    from tests.thresholds.bvv_parameters import load_published_parameter_sets
    from thresholds import bvv, bvv_services

    load_published_parameter_sets()  # a transactional test elsewhere may have flushed the migration's rows
    debtors = scenario.build(municipality)

    scenario.run_inline(municipality)

    expected = bvv_services.figures_for(
        municipality=municipality,
        period=scenario.JANUARY,
        debtors=[
            bvv.DebtorIncome(
                debtor_id=debtors[1].pk,
                household_type="",
                monthly_incomes=[Decimal(0), Decimal(0), Decimal("1700.00"), Decimal("1710.00")],
                instalment=None,
                claim_amount=Decimal("2500.00"),
            )
        ],
    )[debtors[1].pk].evidence()
    rise = Signal.objects.get(municipality=municipality, type="INCOME_RISE")
    assert rise.evidence["bvv"] == expected
    with_bvv = set(
        Signal.objects.filter(municipality=municipality, evidence__has_key="bvv").values_list(
            "type", flat=True
        )
    )
    assert with_bvv == {"INCOME_RISE", "INCOME_ABOVE_THRESHOLD", "INCOME_ABOVE_AFTER_DROP"}


def test_bvv_figures_are_refused_for_a_period_without_parameters(municipality):
    from signals import rules

    found = [rules.FoundSignal(rules.SignalType.INCOME_RISE, 1, "payer", datetime.date(2020, 1, 1), "", {})]

    services.add_bvv_figures(
        municipality=municipality, period=datetime.date(2020, 1, 1), found=found, bsn_of={1: "1"}
    )

    assert found[0].evidence == {"bvv": {"refused": "no BVV parameters for this date (2020-01-01)"}}
