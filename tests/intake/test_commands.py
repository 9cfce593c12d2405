from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from intake.models import Debtor, Delivery

pytestmark = pytest.mark.django_db
HEADER = "Debiteurnummer;BSN;Achternaam;Geboortedatum;Huisnummer;Postcode;Categorie;Openstaande vordering"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_delivery", *args, stdout=out)
    return out.getvalue()


def test_accepted_import_prints_the_summary(tmp_path, municipality):
    path = tmp_path / "debiteuren.csv"
    path.write_text(
        f"{HEADER}\nD1;111222333;Jansen;01-02-1980;1;1234 ab;betaler;1.000,00\n", encoding="cp1252"
    )

    output = run("debtors", str(path), "--municipality", f"GM{municipality.code}", "--period", "2026-06")

    delivery = Delivery.objects.get()
    assert output.splitlines() == [
        f"Delivery {delivery.pk}: {delivery.get_status_display()}",
        "Ingelezen: 1 rijen.",
        "Rows read: 1, rejected: 0",
        "new: 1",
        "changed: 0",
        "ended: 0",
        "unchanged: 0",
    ]
    assert Debtor.objects.get().last_name == "Jansen"


def test_a_rejected_file_exits_non_zero_with_the_errors(tmp_path, municipality):
    path = tmp_path / "debiteuren.csv"
    path.write_text(f"{HEADER}\nD1;111222334;Jansen;01-02-1980;1;1234AB;betaler;10\n")

    with pytest.raises(CommandError) as raised:
        run("debtors", str(path), "--municipality", municipality.code, "--period", "2026-06", "--strict")

    assert str(raised.value).endswith(
        "Afgewezen: 1 rijen bevatten fouten en de strikte modus staat aan. Er is niets ingelezen."
    )
    assert Debtor.objects.count() == 0


def test_unknown_municipality(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("x\n")

    with pytest.raises(CommandError, match=r"No municipality with code 0001\."):
        run("income", str(path), "--municipality", "1", "--period", "2026-06")
