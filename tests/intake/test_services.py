from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from intake import services
from intake.models import BankBalance, Debtor, DebtorSnapshot, Delivery, IncomeRecord, VehicleRecord

MAY, JUNE, JULY = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)
HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount,known_income"
ANNA = "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000.00,1400"
BERT = "D2,012345672,de Vries,1975-05-05,2,1234AB,non_payer,500,"
CEES = "D3,999999990,Bakker,1990-09-09,3,1234AB,vow,50.5,"

pytestmark = pytest.mark.django_db


def deliver(municipality, kind: str, lines: list[str], period: date = JUNE, **options) -> Delivery:
    content = ContentFile("\n".join(lines).encode(), name=f"{kind}.csv")
    delivery = services.receive_delivery(
        municipality=municipality, kind=kind, period=period, file=content, **options
    )
    if delivery.status == Delivery.Status.PENDING:
        services.import_delivery(delivery=delivery)
    delivery.refresh_from_db()
    return delivery


def state(municipality) -> dict:
    """Everything an import may change, to compare before and after."""
    return {
        "debtors": sorted(
            Debtor.objects.for_municipality(municipality)
            .with_latest_period()
            .values_list("debtor_ref", "bsn", "last_name", "first_period", "latest_period", "ended_period")
        ),
        "snapshots": sorted(
            DebtorSnapshot.objects.for_municipality(municipality).values_list(
                "debtor__debtor_ref", "period", "category", "claim_amount", "known_income"
            )
        ),
        "income": sorted(
            IncomeRecord.objects.for_municipality(municipality).values_list("bsn", "period", "amount")
        ),
    }


def test_first_debtor_file_creates_debtors_and_snapshots(municipality, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    assert len(callbacks) == 1  # the import task is queued after the commit
    assert (delivery.status, delivery.counts) == (
        Delivery.Status.ACCEPTED,
        {"new": 2, "changed": 0, "ended": 0, "unchanged": 0},
    )
    assert (delivery.rows_total, delivery.rows_done, delivery.rows_rejected) == (2, 2, 0)
    assert delivery.message == "Ingelezen: 2 rijen."
    assert state(municipality)["snapshots"] == [
        ("D1", JUNE, "payer", Decimal("1000.00"), Decimal("1400.00")),
        ("D2", JUNE, "non_payer", Decimal("500.00"), None),
    ]
    assert Debtor.objects.get(debtor_ref="D2").bsn == "012345672"


def test_next_month_counts_new_changed_ended_and_unchanged(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)

    delivery = deliver(
        municipality, "debtors", [HEADER, ANNA, BERT.replace(",500,", ",450,"), CEES], period=JUNE
    )

    assert delivery.counts == {"new": 1, "changed": 1, "ended": 0, "unchanged": 1}
    third = deliver(municipality, "debtors", [HEADER, ANNA], period=JULY)
    assert third.counts == {"new": 0, "changed": 0, "ended": 2, "unchanged": 1}
    assert state(municipality)["debtors"] == [
        ("D1", "111222333", "Jansen", MAY, JULY, None),
        ("D2", "012345672", "de Vries", MAY, JUNE, JULY),
        ("D3", "999999990", "Bakker", JUNE, JUNE, JULY),
    ]
    assert DebtorSnapshot.objects.for_municipality(municipality).count() == 6  # history stays


def test_an_ended_debtor_that_returns_is_no_longer_ended(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)
    deliver(municipality, "debtors", [HEADER, ANNA], period=JUNE)

    delivery = deliver(municipality, "debtors", [HEADER, BERT, ANNA], period=JULY)  # not the same bytes

    assert delivery.counts == {"new": 1, "changed": 0, "ended": 0, "unchanged": 1}
    assert Debtor.objects.get(debtor_ref="D2").ended_period is None


def test_a_debtor_whose_row_is_rejected_is_not_ended(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)

    delivery = deliver(municipality, "debtors", [HEADER, ANNA, BERT.replace("012345672", "012345670")])

    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.ACCEPTED, 1)
    assert delivery.message == "Ingelezen: 1 rijen; 1 rijen afgekeurd (zie het foutenrapport)."
    assert Debtor.objects.get(debtor_ref="D2").ended_period is None
    assert delivery.error_report.read().decode("utf-8-sig") == (
        "Rij;Kolom;Waarde;Melding\r\n3;bsn;012345670;Ongeldig BSN: voldoet niet aan de elfproef.\r\n"
    )


def test_strict_mode_rejects_the_file_on_any_row_error(municipality):
    before = state(municipality)

    delivery = deliver(
        municipality, "debtors", [HEADER, ANNA, BERT.replace("non_payer", "wanbetaler")], strict=True
    )

    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.REJECTED, 1)
    assert (
        delivery.message
        == "Afgewezen: 1 rijen bevatten fouten en de strikte modus staat aan. Er is niets ingelezen."
    )
    assert bool(delivery.error_report)
    assert state(municipality) == before


def test_strict_mode_comes_from_the_municipality(municipality):
    municipality.strict_intake = True
    municipality.save()

    delivery = deliver(municipality, "debtors", [HEADER, ANNA, BERT.replace("1975-05-05", "1975-02-30")])

    assert (delivery.strict, delivery.status) == (True, Delivery.Status.REJECTED)


def test_a_structural_error_rejects_and_changes_nothing(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA], period=MAY)
    before = state(municipality)

    delivery = deliver(municipality, "debtors", [HEADER + ",colour", ANNA + ",red"])

    assert (delivery.status, delivery.message) == (Delivery.Status.REJECTED, "Onbekende kolom: colour.")
    assert state(municipality) == before


def test_the_same_file_twice_is_a_duplicate(municipality, django_capture_on_commit_callbacks):
    first = deliver(municipality, "debtors", [HEADER, ANNA])

    with django_capture_on_commit_callbacks() as callbacks:
        second = deliver(municipality, "debtors", [HEADER, ANNA])

    assert callbacks == []
    assert (second.status, second.message) == (
        Delivery.Status.DUPLICATE,
        f"Dit bestand is al eerder geleverd (levering {first.pk}) en wordt niet opnieuw ingelezen.",
    )
    assert DebtorSnapshot.objects.for_municipality(municipality).count() == 1


def test_the_same_bytes_for_another_period_are_a_new_delivery(municipality):
    deliver(municipality, "vehicles", ["bsn,plate,value", "111222333,AB12CD,100"], period=MAY)

    delivery = deliver(municipality, "vehicles", ["bsn,plate,value", "111222333,AB12CD,100"], period=JUNE)

    assert delivery.status == Delivery.Status.ACCEPTED


def test_the_same_file_for_another_municipality_is_not_a_duplicate(municipality, other_municipality):
    deliver(municipality, "debtors", [HEADER, ANNA])

    assert deliver(other_municipality, "debtors", [HEADER, ANNA]).status == Delivery.Status.ACCEPTED


def test_a_claimed_delivery_is_not_imported_twice(municipality):
    delivery = deliver(municipality, "debtors", [HEADER, ANNA])

    services.import_delivery(delivery=delivery)

    assert DebtorSnapshot.objects.for_municipality(municipality).count() == 1


def test_a_corrected_file_for_the_same_period_replaces_its_snapshot(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    delivery = deliver(municipality, "debtors", [HEADER, ANNA.replace("1000.00", "900")])

    assert state(municipality)["snapshots"] == [("D1", JUNE, "payer", Decimal("900.00"), Decimal("1400.00"))]
    assert Debtor.objects.get(debtor_ref="D2").ended_period == JUNE
    assert delivery.counts == {"new": 1, "changed": 0, "ended": 1, "unchanged": 0}  # against May: none


def test_income_replaces_each_person_and_month_it_names(municipality):
    header = "bsn,period,source_id,source_name,income_kind,amount"
    deliver(municipality, "income", [header, "111222333,2026-05,A1,A,loon,100", "111222333,2026-06,A1,A,loon,100",
                                     "012345672,2026-06,B1,B,uitkering,50"])  # fmt: skip

    delivery = deliver(municipality, "income", [header, "111222333,2026-06,C1,C,loon,1800.5"])

    assert delivery.counts == {"imported": 1, "replaced": 1}
    assert state(municipality)["income"] == [
        ("012345672", JUNE, Decimal("50.00")),
        ("111222333", MAY, Decimal("100.00")),
        ("111222333", JUNE, Decimal("1800.50")),
    ]


INCOME_WITH_DUPLICATES = [
    "BSN,Periode,Loonheffingennummer,Naam inkomstenbron,Soort inkomen,Bedrag",
    "111222333,2026-06,A1,A,loon,10",
    "012345672,2026-06,B1,B,loon,20",
    "111222333,2026-06,A1,A,loon,30",
    "123,2026-06,C1,C,loon,5",
    "111222333,2026-06, A1 ,A,loon,40",
    "012345672,2026-06,B1,B,loon,-1",  # invalid: not a duplicate, and not the first row of its key
    "012345672,2026-05,B1,B,loon,1",
    "012345672,2026-06,B1,B,loon,2",
]
DUPLICATE = "Dubbele regel: deze combinatie van BSN, periode en loonheffingennummer staat ook in rij"
INCOME_DUPLICATES_REPORT = (
    "Rij;Kolom;Waarde;Melding\r\n"
    f"4;Loonheffingennummer;A1;{DUPLICATE} 2.\r\n"
    "5;BSN;123;Ongeldig BSN: voldoet niet aan de elfproef.\r\n"
    f"6;Loonheffingennummer;A1;{DUPLICATE} 2.\r\n"
    "7;Bedrag;-1;Bedrag mag niet negatief zijn.\r\n"
    f"9;Loonheffingennummer;B1;{DUPLICATE} 3.\r\n"
)


def test_income_reports_each_later_row_of_a_repeated_key(municipality):
    delivery = deliver(municipality, "income", INCOME_WITH_DUPLICATES)

    assert (delivery.status, delivery.rows_total, delivery.rows_rejected) == (Delivery.Status.ACCEPTED, 8, 5)
    assert delivery.message == "Ingelezen: 3 rijen; 5 rijen afgekeurd (zie het foutenrapport)."
    assert delivery.counts == {"imported": 3, "replaced": 0}
    assert delivery.error_report.read().decode("utf-8-sig") == INCOME_DUPLICATES_REPORT
    assert state(municipality)["income"] == [
        ("012345672", MAY, Decimal("1.00")),
        ("012345672", JUNE, Decimal("20.00")),
        ("111222333", JUNE, Decimal("10.00")),
    ]


def test_strict_mode_rejects_income_with_a_repeated_key(municipality):
    lines = [INCOME_WITH_DUPLICATES[0], *INCOME_WITH_DUPLICATES[1:4]]

    delivery = deliver(municipality, "income", lines, strict=True)

    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.REJECTED, 1)
    assert (
        delivery.message
        == "Afgewezen: 1 rijen bevatten fouten en de strikte modus staat aan. Er is niets ingelezen."
    )
    assert delivery.error_report.read().decode("utf-8-sig") == (
        f"Rij;Kolom;Waarde;Melding\r\n4;Loonheffingennummer;A1;{DUPLICATE} 2.\r\n"
    )
    assert state(municipality)["income"] == []


def test_balances_keep_one_per_reference_date(municipality):
    header = "BSN;Peildatum;Saldo"
    deliver(municipality, "balances", [header, "111222333;31-05-2026;100", "111222333;2026-06-28;-20,5"])

    deliver(municipality, "balances", [header, "111222333;2026-06-28;9000"])

    assert sorted(
        BankBalance.objects.for_municipality(municipality).values_list("reference_date", "balance")
    ) == [
        (date(2026, 5, 31), Decimal("100.00")),
        (date(2026, 6, 28), Decimal("9000.00")),
    ]


def test_vehicle_snapshot_replaces_its_period(municipality):
    header = "bsn,plate,registration_date,value"
    deliver(municipality, "vehicles", [header, "111222333,AB-12-CD,2025-01-01,12000"], period=MAY)
    deliver(municipality, "vehicles", [header, "111222333,XX-99-YY,,3000"], period=JUNE)

    deliver(
        municipality, "vehicles", [header, "111222333,XX-99-YY,,3500", "012345672,ZZ-11-AA,,100"], period=JUNE
    )

    assert sorted(
        VehicleRecord.objects.for_municipality(municipality).values_list("period", "plate", "value")
    ) == [
        (MAY, "AB12CD", Decimal("12000.00")),
        (JUNE, "XX99YY", Decimal("3500.00")),
        (JUNE, "ZZ11AA", Decimal("100.00")),
    ]


def test_a_nul_in_an_unknown_header_rejects_the_file_with_a_storable_message(municipality):
    delivery = deliver(municipality, "debtors", [HEADER + ",kl\x00eur", ANNA + ",rood"])

    assert delivery.status == Delivery.Status.REJECTED
    assert delivery.message == "Onbekende kolom: kleur."


def test_the_largest_amount_that_fits_is_stored_and_a_larger_one_is_a_row_error(municipality):
    largest = ANNA.replace("1000.00", "9999999999.99")
    too_large = BERT.replace(",500,", ",10000000000,")

    delivery = deliver(municipality, "debtors", [HEADER, largest, too_large])

    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.ACCEPTED, 1)
    assert DebtorSnapshot.objects.for_municipality(municipality).get().claim_amount == Decimal(
        "9999999999.99"
    )
    assert delivery.error_report.read().decode("utf-8-sig").splitlines()[1] == (
        "3;claim_amount;10000000000;Bedrag is te groot: hoogstens 10 cijfers voor de komma."
    )
