import io

import pytest
from django.core.management import CommandError, call_command

from signals.models import EvaluationRun

from . import scenario

pytestmark = pytest.mark.django_db


def test_run_period_starts_the_run(municipality, django_capture_on_commit_callbacks):
    out = io.StringIO()

    with django_capture_on_commit_callbacks() as callbacks:
        call_command("run_period", municipality=f"GM{municipality.code}", period="2026-01", stdout=out)

    run = EvaluationRun.objects.get(municipality=municipality)
    assert (run.period, run.status) == (scenario.JANUARY, "pending")
    assert len(callbacks) == 1
    assert out.getvalue() == f"{municipality.code} 2026-01: wacht (run {run.pk})\n"


def test_run_period_refuses_a_bad_period(municipality):
    with pytest.raises(CommandError, match="is not a period"):
        call_command("run_period", municipality=municipality.code, period="2026")


def test_export_signals_writes_csv(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    out = io.StringIO()

    call_command("export_signals", municipality=municipality.code, period="2026-01", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "debtor_ref,type,period,evidence_key,evidence"
    assert lines[8].startswith('S08,VEHICLE,2026-01,NEW01X,"{""plate"": ""NEW01X""')
    assert len(lines) == 9
