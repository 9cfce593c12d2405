import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from reporting import letter_content, services
from reporting.letter_defaults import DEFAULT_LETTERS
from reporting.models import Letter, LetterBatch, LetterKind, LetterTemplate
from tenancy.models import Municipality
from tests.reporting.conftest import first_page_png, pdf_text
from tests.reporting.factories import (
    ArrearsReportFactory,
    DebtorSnapshotFactory,
    LetterTemplateFactory,
    SignalFactory,
    WorkItemFactory,
)
from tests.tenancy.factories import MunicipalityFactory, UserFactory

NOVEMBER_23 = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def letterhead_municipality():
    return MunicipalityFactory(
        name="Zonnedal",
        address_line="Postbus 100",
        postcode="9999 ZZ",
        city="Zonnedal",
        phone="14 0999",
        email="geldzaken@zonnedal.example",
        website="https://www.zonnedal.example",
    )


def template_of(municipality: Municipality, kind: str) -> LetterTemplate:
    return LetterTemplate.objects.for_municipality(municipality).current().get(kind=kind)


@pytest.mark.django_db
def test_defaults_give_every_kind_version_one_once(municipality):
    services.create_default_letter_templates(municipality=municipality)
    services.create_default_letter_templates(municipality=municipality)

    templates = LetterTemplate.objects.for_municipality(municipality)
    assert sorted(templates.values_list("kind", "version")) == sorted((kind, 1) for kind in LetterKind.values)
    assert [text.kind for text in DEFAULT_LETTERS] == list(LetterKind.values)


@pytest.mark.django_db
def test_an_edit_adds_a_version_and_keeps_the_old_one(municipality):
    services.create_default_letter_templates(municipality=municipality)
    first = template_of(municipality, LetterKind.NOT_AT_HOME)
    user = UserFactory()

    second = services.save_letter_template(
        template=first, name="Kaartje", subject="Wij waren er", body="Beste {{ naam }},", annex="", user=user
    )

    assert (second.version, second.created_by, second.body) == (2, user, "Beste {{ naam }},")
    first.refresh_from_db()
    assert (first.version, first.body) == (1, DEFAULT_LETTERS[2].body)
    assert template_of(municipality, LetterKind.NOT_AT_HOME) == second


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_23, tick=False)
def test_instalment_review_letter_states_name_address_amounts_dates_and_letterhead(
    letterhead_municipality, tmp_path
):
    municipality = letterhead_municipality
    services.create_default_letter_templates(municipality=municipality)
    snapshot = DebtorSnapshotFactory(
        debtor__municipality=municipality,
        debtor__initials="J.",
        debtor__prefix="de",
        debtor__last_name="Vries",
    )
    signal = SignalFactory(
        debtor=snapshot.debtor,
        evidence={
            "months": ["2026-09", "2026-10"],
            "income": "2150.00",  # the latest month; the letter uses C / 12 from the BVV figures
            "bvv": {
                "bvv": "1344.36",
                "yearly_income": "25200.00",
                "capacity": "314.83",
                "proposed_instalment": "175.00",
            },
        },
    )
    item = WorkItemFactory(municipality=municipality, debtor_signal=True, debtor=snapshot.debtor)
    item.signals.add(signal)
    consultant = UserFactory(first_name="Anna", last_name="Consulent")

    letter = services.write_letter(
        item=item, template=template_of(municipality, LetterKind.INSTALMENT_REVIEW), user=consultant
    )

    content = letter.file.read()
    *letter_pages, annex = pdf_text(content)
    first = " ".join(letter_pages)
    for expected in (
        "J. de Vries",
        "Dorpsstraat 12A",
        "1234 AB Testdorp",
        "Gemeente Zonnedal",
        "Postbus 100",
        "9999 ZZ Zonnedal",
        "Telefoon 14 0999",
        "Ons kenmerk",
        "23 november 2026",
        f"{municipality.code}-{item.pk}",
        "Voorstel: u betaalt € 175,00 per maand",
        "U betaalt nu elke maand € 50,00",
        "schuld bij de gemeente van € 3.250,00",
        "U krijgt nu € 2.100,00 per maand",
        "Voor u is dat € 1.344,36 per maand",
        "Ruimte om af te lossen € 314,83",
        "1 januari 2027",  # the new instalment starts after the two weeks to respond
        "7 december 2026",
        "Met vriendelijke groet, Anna Consulent",
        "www.geldfit.nl",
    ):
        assert expected in first, expected
    assert annex.startswith("Bijlage")
    assert "Bezwaar maken" in annex
    assert first_page_png(content, tmp_path).startswith(PNG_SIGNATURE)
    assert letter.values["nieuwe_termijn"] == "€ 175,00"
    assert (letter.template.version, letter.created_by, letter.rendered_at) == (1, consultant, timezone.now())


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_23, tick=False)
def test_outreach_letter_names_the_partner_and_the_arrears(municipality):
    services.create_default_letter_templates(municipality=municipality)
    report = ArrearsReportFactory(
        case__municipality=municipality, partner_type="Huur", amount=Decimal("845.10")
    )
    ArrearsReportFactory(case=report.case, partner_type="Energie", amount=Decimal("100.00"))
    item = WorkItemFactory(municipality=municipality, case=report.case)

    letter = services.write_letter(
        item=item, template=template_of(municipality, LetterKind.ARREARS_OUTREACH), user=UserFactory()
    )

    text = pdf_text(letter.file.read())[0]
    assert f"{report.case.initials} {report.case.last_name}" in text
    assert "Kerkstraat 3" in text
    assert "Wij kregen een melding van uw verhuurder en uw energieleverancier." in text
    assert "U heeft daar een achterstand van € 945,10." in text


@pytest.mark.django_db
def test_a_letter_never_mixes_municipalities(municipality, other_municipality):
    template = LetterTemplateFactory(municipality=municipality)
    item = WorkItemFactory(municipality=other_municipality)

    with pytest.raises(ValueError, match="different municipalities"):
        services.write_letter(item=item, template=template, user=UserFactory())

    assert Letter.objects.count() == 0


def make_batch(municipality, count: int) -> LetterBatch:
    services.create_default_letter_templates(municipality=municipality)
    items = [WorkItemFactory(municipality=municipality) for _ in range(count)]
    return services.start_letter_batch(
        template=template_of(municipality, LetterKind.VISIT_ANNOUNCEMENT),
        items=items,
        user=UserFactory(),
        extra={"bezoekdatum": "1 december 2026", "bezoektijd": "10.00 uur"},
    )


@pytest.mark.django_db
def test_starting_a_batch_enqueues_it_after_commit(municipality, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        batch = make_batch(municipality, 2)

    assert len(callbacks) == 1
    assert (batch.status, batch.letters_total, batch.letters.count()) == (LetterBatch.Status.PENDING, 2, 2)


@pytest.mark.django_db
def test_batch_renders_every_letter_and_merges_them_in_order(municipality, tmp_path):
    batch = make_batch(municipality, 3)

    services.generate_letter_batch(batch=batch)

    batch.refresh_from_db()
    assert (batch.status, batch.letters_done) == (LetterBatch.Status.FINISHED, 3)
    pages = pdf_text(batch.file.read())
    letters = list(batch.letters.select_related("work_item__case").order_by("pk"))
    assert len(pages) == 6  # letter and annex per person
    for letter, page in zip(letters, pages[::2], strict=True):
        assert f"P. {letter.work_item.case.last_name}" in page
        assert "Wij komen bij u langs op 1 december 2026 om 10.00 uur." in page
    assert all(letter.file for letter in letters)
    batch.file.seek(0)
    assert first_page_png(batch.file.read(), tmp_path).startswith(PNG_SIGNATURE)


@pytest.mark.django_db
def test_rerun_after_a_killed_worker_renders_only_the_missing_letters(municipality):
    batch = make_batch(municipality, 3)
    first = batch.letters.order_by("pk").first()
    # The killed worker got as far as the first letter, and the batch stayed "running".
    services.store_letter_file(first, letter_content.render_letter(first))
    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.RUNNING)
    first.refresh_from_db()
    rendered = (first.file.name, first.rendered_at)

    services.generate_letter_batch(batch=batch)

    first.refresh_from_db()
    assert (first.file.name, first.rendered_at) == rendered
    assert batch.letters.exclude(file="").count() == 3
    assert len(pdf_text(LetterBatch.objects.get(pk=batch.pk).file.read())) == 6


@pytest.mark.django_db
def test_a_finished_batch_is_not_generated_again(municipality):
    batch = make_batch(municipality, 1)
    services.generate_letter_batch(batch=batch)
    batch.refresh_from_db()
    before = (batch.file.name, batch.finished_at, list(batch.letters.values_list("file", "rendered_at")))

    services.generate_letter_batch(batch=batch)

    batch.refresh_from_db()
    assert (
        batch.file.name,
        batch.finished_at,
        list(batch.letters.values_list("file", "rendered_at")),
    ) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery_worker
def test_a_real_worker_makes_the_print_file(celery_worker, municipality):
    batch = make_batch(municipality, 2)

    deadline = timezone.now() + datetime.timedelta(seconds=60)
    while timezone.now() < deadline:
        batch.refresh_from_db()
        if batch.status == LetterBatch.Status.FINISHED:
            break
        import time

        time.sleep(0.2)

    assert (batch.status, batch.letters_done) == (LetterBatch.Status.FINISHED, 2)
    assert len(pdf_text(batch.file.read())) == 4


@pytest.mark.parametrize(
    ("hour", "expected"), [(8, "Ochtend"), (10, "Ochtend"), (11, "Middag"), (16, "Middag"), (17, "Avond")]
)
def test_part_of_day_is_taken_in_dutch_time(hour, expected):
    # November: Amsterdam is UTC+1, so 11:00 UTC is 12:00 there.
    assert services.part_of_day(datetime.datetime(2026, 11, 23, hour, 0, tzinfo=datetime.UTC)) == expected


@pytest.mark.django_db
def test_starting_a_batch_costs_no_query_per_item(municipality, django_assert_max_num_queries):
    from workbaskets.models import WorkItem

    services.create_default_letter_templates(municipality=municipality)
    template = template_of(municipality, LetterKind.INSTALMENT_REVIEW)
    for _ in range(2):
        snapshot = DebtorSnapshotFactory(debtor__municipality=municipality)
        item = WorkItemFactory(municipality=municipality, debtor_signal=True, debtor=snapshot.debtor)
        item.signals.add(SignalFactory(debtor=snapshot.debtor, evidence={"income": "2000"}))
    with django_assert_max_num_queries(20) as few:
        services.start_letter_batch(
            template=template, items=WorkItem.objects.filter(municipality=municipality), user=None
        )
    for _ in range(5):
        snapshot = DebtorSnapshotFactory(debtor__municipality=municipality)
        WorkItemFactory(municipality=municipality, debtor_signal=True, debtor=snapshot.debtor)

    with django_assert_max_num_queries(len(few)):
        batch = services.start_letter_batch(
            template=template, items=WorkItem.objects.filter(municipality=municipality), user=None
        )

    assert batch.letters.count() == 7
    assert batch.letters.filter(values__inkomen="€ 2.000,00").count() == 2


@pytest.mark.django_db
@time_machine.travel(NOVEMBER_23, tick=False)
def test_each_letter_is_one_contact_attempt_brief_even_after_a_rerun(municipality):
    batch = make_batch(municipality, 2)
    services.generate_letter_batch(batch=batch)
    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.RUNNING)

    services.generate_letter_batch(batch=batch)

    for letter in batch.letters.select_related("work_item"):
        attempt = letter.work_item.contact_attempts.get()
        assert (attempt.kind, attempt.reached, attempt.date, attempt.part_of_day) == (
            "Brief",
            False,
            datetime.date(2026, 11, 23),
            "Ochtend",
        )
        assert attempt.note == "Aankondiging huisbezoek (versie 1)"


@pytest.mark.django_db
def test_a_batch_that_cannot_be_merged_is_marked_failed(municipality):
    from django.core.files.base import ContentFile
    from pypdf.errors import PdfReadError

    batch = make_batch(municipality, 2)
    broken = batch.letters.order_by("pk").first()
    broken.file.save("kapot.pdf", ContentFile(b"not a pdf"))  # e.g. a damaged file in storage

    with pytest.raises(PdfReadError):
        services.generate_letter_batch(batch=batch)

    batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.FAILED
    assert batch.message == "PdfStreamError: Stream has ended unexpectedly"
    assert batch.file.name == ""
