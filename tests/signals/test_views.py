import csv
import io

import pytest
from django.urls import reverse

from signals import tasks
from signals.models import DebtorExclusion, EvaluationRun, WhatIf
from tenancy.models import AuditLogEntry
from thresholds.models import ThresholdProfile

from . import scenario
from .factories import DebtorFactory, EvaluationRunFactory, SignalFactory, WhatIfFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(municipality, member, client_for):
    return client_for(member(municipality, "administrator"))


def test_administrator_starts_a_run(admin_client, municipality, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("signals:run-start"), {"period": "2026-01"})

    run = EvaluationRun.objects.get(municipality=municipality)
    assert response.status_code == 302
    assert response.url == reverse("signals:run-detail", kwargs={"run_id": run.pk})
    assert (run.period, run.status) == (scenario.JANUARY, "pending")
    assert len(callbacks) == 1


def test_bad_period_is_refused(admin_client, municipality):
    response = admin_client.post(reverse("signals:run-start"), {"period": "januari"})

    assert response.status_code == 400
    assert "Vul een periode in als JJJJ-MM" in response.content.decode()
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_only_administrators_start_runs(municipality, member, client_for, role):
    response = client_for(member(municipality, role)).post(
        reverse("signals:run-start"), {"period": "2026-01"}
    )

    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_consultant_does_not_see_runs(municipality, member, client_for):
    run = EvaluationRunFactory(municipality=municipality, finished=True)
    client = client_for(member(municipality, "consultant"))

    assert client.get(reverse("signals:run-detail", kwargs={"run_id": run.pk})).status_code == 403
    assert client.get(reverse("signals:run-export", kwargs={"run_id": run.pk})).status_code == 403


def test_run_page_compares_with_the_previous_period(admin_client, municipality):
    EvaluationRunFactory(
        municipality=municipality, period=scenario.DECEMBER, finished=True, counts={"ASSETS": {"payer": 5}}
    )
    run = EvaluationRunFactory(
        municipality=municipality, finished=True, counts={"ASSETS": {"payer": 7}, "VEHICLE": {"vow": 1}}
    )

    response = admin_client.get(reverse("signals:run-detail", kwargs={"run_id": run.pk}))

    assert response.status_code == 200
    assert [(r["category"], r["now"], r["before"], r["change"]) for r in response.context["rows"]] == [
        ("payer", 7, 5, 2),
        ("vow", 1, 0, 1),
    ]
    assert "Signalen per soort en categorie" in response.content.decode()


def test_running_run_page_polls_its_progress(admin_client, municipality):
    run = EvaluationRunFactory(
        municipality=municipality, status="running", debtors_total=200, debtors_done=50
    )

    response = admin_client.get(
        reverse("signals:run-detail", kwargs={"run_id": run.pk}), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert 'value="25"' in body
    assert "<html" not in body


def test_run_page_download_is_the_export_csv_and_audited(admin_client, municipality):
    scenario.build(municipality)
    run = scenario.run_inline(municipality)

    response = admin_client.get(reverse("signals:run-export", kwargs={"run_id": run.pk}))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["debtor_ref", "type", "period", "evidence_key", "evidence"]
    assert [tuple(row[:4]) for row in rows[1:]] == [(r, t, "2026-01", k) for r, t, k in scenario.EXPECTED]
    assert AuditLogEntry.objects.get(municipality=municipality).action == "export"


def test_signal_page_explains_the_evidence_in_dutch(municipality, member, client_for):
    from tests.thresholds.bvv_parameters import load_published_parameter_sets

    load_published_parameter_sets()
    scenario.build(municipality)
    scenario.run_inline(municipality)
    client = client_for(member(municipality, "consultant"))
    from signals.models import Signal

    rise = Signal.objects.get(municipality=municipality, type="INCOME_RISE")

    body = client.get(reverse("signals:signal-detail", kwargs={"signal_id": rise.pk})).content.decode()

    assert "Het inkomen steeg minstens € 140,00 boven de referentie van € 1.400,00" in body
    assert "januari 2026" in body
    assert "Bakkerij De Korenschoof: € 1.710,00" in body
    bvv = rise.evidence["bvv"]
    assert f"Beslagvrije voet: € {bvv['bvv'].replace('.', ',')}" in body
    entry = AuditLogEntry.objects.get(municipality=municipality)
    assert (entry.action, entry.person_ref) == ("view", "S01")


@pytest.mark.parametrize("signal_type", [t for _, t, _ in scenario.EXPECTED])
def test_every_signal_type_renders(municipality, member, client_for, signal_type):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    from signals.models import Signal

    signal = Signal.objects.get(municipality=municipality, type=signal_type)
    response = client_for(member(municipality, "consultant")).get(
        reverse("signals:signal-detail", kwargs={"signal_id": signal.pk})
    )

    assert response.status_code == 200
    assert f'data-type="{signal_type}"' in response.content.decode()


def test_signal_of_another_municipality_is_404(municipality, other_municipality, member, client_for):
    signal = SignalFactory(debtor__municipality=other_municipality)

    response = client_for(member(municipality, "consultant")).get(
        reverse("signals:signal-detail", kwargs={"signal_id": signal.pk})
    )

    assert response.status_code == 404


def test_what_if_shows_new_counts_next_to_actual_and_saves_nothing(
    admin_client, municipality, django_capture_on_commit_callbacks
):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    profile = ThresholdProfile.objects.get(municipality=municipality, category="payer")
    values = {
        "income_threshold": "1500",
        "rise_abs": "100",
        "rise_pct": "10",
        "persistence_months": "2",
        "lookback_months": "12",
        "vow_norm": "1400",
        "asset_threshold": "9500",
        "vehicle_threshold": "5000",
        "enabled_signal_types": [
            "INCOME_RISE",
            "NEW_INCOME_SOURCE",
            "ASSETS",
            "VEHICLE",
            "INCOME_ABOVE_THRESHOLD",
        ],
    }

    with django_capture_on_commit_callbacks() as callbacks:
        started = admin_client.post(
            reverse("signals:threshold-preview", kwargs={"profile_id": profile.pk}), values
        )
    job = WhatIf.objects.get()
    assert (started.status_code, job.status, len(callbacks)) == (200, "pending", 1)
    poll = reverse("signals:what-if-detail", kwargs={"what_if_id": job.pk})
    assert f'hx-get="{poll}"' in started.content.decode()  # the screen polls for the numbers
    tasks.count_what_if(job.pk)

    response = admin_client.get(poll)

    assert 'hx-get="' not in response.content.decode()  # finished: the polling stops
    rows = {row["type"]: (row["actual"], row["new"]) for row in response.context["preview"]["rows"]}
    assert rows["ASSETS"] == (1, 0)
    assert rows["INCOME_ABOVE_THRESHOLD"] == (1, 2)  # S01 (payer) now counts too
    assert rows["VEHICLE"] == (1, 1)
    profile.refresh_from_db()
    assert str(profile.asset_threshold) == "7500.00"
    assert "Er is nog niets opgeslagen." in response.content.decode()


def test_what_if_refuses_a_negative_value_in_dutch(admin_client, municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    profile = ThresholdProfile.objects.get(municipality=municipality, category="payer")

    response = admin_client.post(
        reverse("signals:threshold-preview", kwargs={"profile_id": profile.pk}),
        {"income_threshold": "-1", "rise_abs": "100", "rise_pct": "10", "persistence_months": "2"},
    )

    assert response.status_code == 400
    assert "Vul een bedrag van 0 of meer in." in response.content.decode()
    assert not WhatIf.objects.exists()


def test_what_if_of_another_municipality_is_404(municipality, other_municipality, member, client_for):
    job = WhatIfFactory(profile__municipality=other_municipality, finished=True)

    response = client_for(member(municipality, "administrator")).get(
        reverse("signals:what-if-detail", kwargs={"what_if_id": job.pk})
    )

    assert response.status_code == 404


def test_consultant_may_not_see_a_what_if(municipality, member, client_for):
    job = WhatIfFactory(profile__municipality=municipality, finished=True)

    response = client_for(member(municipality, "consultant")).get(
        reverse("signals:what-if-detail", kwargs={"what_if_id": job.pk})
    )

    assert response.status_code == 403


def test_exclusion_is_added_with_reason_and_end_date(admin_client, municipality):
    debtor = DebtorFactory(municipality=municipality, debtor_ref="D-77")

    response = admin_client.post(
        reverse("signals:exclusion-list"),
        {
            "debtor_ref": "D-77",
            "reason": "Schuldhulptraject",
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-30",
        },
    )

    assert response.status_code == 302
    exclusion = DebtorExclusion.objects.get()
    assert (exclusion.debtor, exclusion.reason, str(exclusion.ends_on)) == (
        debtor,
        "Schuldhulptraject",
        "2026-06-30",
    )


def test_exclusion_needs_a_debtor_of_this_municipality(admin_client, other_municipality):
    DebtorFactory(municipality=other_municipality, debtor_ref="D-77")

    response = admin_client.post(
        reverse("signals:exclusion-list"),
        {"debtor_ref": "D-77", "reason": "x", "starts_on": "2026-01-01", "ends_on": "2026-06-30"},
    )

    assert response.status_code == 400
    assert "Er is geen debiteur met dit nummer." in response.content.decode()
    assert not DebtorExclusion.objects.exists()
