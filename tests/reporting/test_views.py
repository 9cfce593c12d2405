import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting import services
from reporting.models import Letter, LetterBatch, LetterKind, LetterTemplate, ManagementReport
from tenancy.models import AuditLogEntry, Role
from tests.reporting.conftest import pdf_text
from tests.reporting.factories import (
    PERIOD,
    ArrearsReportFactory,
    SignalFactory,
    WorkBasketFactory,
    WorkItemFactory,
)
from workbaskets.services import grant_basket


@pytest.fixture
def templates(municipality):
    services.create_default_letter_templates(municipality=municipality)
    return LetterTemplate.objects.for_municipality(municipality)


def outreach(templates) -> LetterTemplate:
    return templates.get(kind=LetterKind.ARREARS_OUTREACH)


# -- permissions: Alice may, Bob (wrong role) may not, Charlie (other municipality) gets 404 -----


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "allowed", "denied"),
    [
        ("reporting:dashboard", Role.MANAGER, Role.CONSULTANT),
        ("reporting:template-list", Role.ADMINISTRATOR, Role.MANAGER),
        ("reporting:batch-list", Role.CONSULTANT, Role.MANAGER),
    ],
)
def test_pages_are_for_their_roles(municipality, member, client_for, name, allowed, denied):
    assert client_for(member(municipality, allowed)).get(reverse(name)).status_code == 200
    assert client_for(member(municipality, denied)).get(reverse(name)).status_code == 403


@pytest.mark.django_db
def test_other_municipality_gets_404_for_a_template(templates, other_municipality, member, client_for):
    charlie = client_for(member(other_municipality, Role.ADMINISTRATOR))
    template = outreach(templates)

    assert (
        charlie.get(reverse("reporting:template-edit", kwargs={"template_id": template.pk})).status_code
        == 404
    )
    response = charlie.post(
        reverse("reporting:template-edit", kwargs={"template_id": template.pk}),
        {"name": "x", "subject": "x", "body": "x", "annex": ""},
    )
    assert response.status_code == 404
    assert LetterTemplate.objects.filter(kind=template.kind, municipality=template.municipality).count() == 1


# -- the editor --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_saves_a_new_version(templates, municipality, member, client_for):
    alice = member(municipality, Role.ADMINISTRATOR)
    template = outreach(templates)

    response = client_for(alice).post(
        reverse("reporting:template-edit", kwargs={"template_id": template.pk}),
        {"name": template.name, "subject": "Hulp", "body": "Beste {{ naam }},\n\nWij helpen u.", "annex": ""},
    )

    saved = LetterTemplate.objects.get(municipality=municipality, kind=template.kind, version=2)
    assert response.status_code == 302
    assert response.url == reverse("reporting:template-edit", kwargs={"template_id": saved.pk})
    assert (saved.subject, saved.created_by) == ("Hulp", alice)


@pytest.mark.django_db
def test_editor_refuses_unknown_placeholders(templates, municipality, member, client_for):
    template = outreach(templates)

    response = client_for(member(municipality, Role.ADMINISTRATOR)).post(
        reverse("reporting:template-edit", kwargs={"template_id": template.pk}),
        {"name": template.name, "subject": "Hulp", "body": "Beste {{ voornaam }},", "annex": ""},
    )

    assert response.status_code == 200
    assert "voornaam" in response.context["form"].non_field_errors()[0]
    assert LetterTemplate.objects.filter(municipality=municipality, kind=template.kind).count() == 1


@pytest.mark.django_db
def test_live_preview_fills_sample_values_and_warns_above_b1(templates, municipality, member, client_for):
    template = outreach(templates)
    long_sentence = " ".join(["Overeenkomstig de voornoemde bepalingen informeren wij u"] * 4) + "."

    response = client_for(member(municipality, Role.ADMINISTRATOR)).post(
        reverse("reporting:template-preview", kwargs={"template_id": template.pk}),
        {
            "subject": "Over {{ achterstand }}",
            "body": f"Beste {{{{ naam }}}},\n\n{long_sentence}",
            "annex": "",
        },
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Over € 412,50" in html
    assert '<span class="value">J. de Vries</span>' in html
    assert response.context["score"].is_b1 is False
    assert "ds-readability--warn" in html


@pytest.mark.django_db
def test_sample_pdf_of_a_template(templates, municipality, member, client_for):
    template = outreach(templates)

    response = client_for(member(municipality, Role.ADMINISTRATOR)).get(
        reverse("reporting:template-sample", kwargs={"template_id": template.pk})
    )

    assert response["Content-Type"] == "application/pdf"
    assert "Beste J. de Vries," in pdf_text(response.content)[0]


# -- letters and batches -----------------------------------------------------------------------


@pytest.mark.django_db
def test_consultant_writes_a_letter_and_downloads_it_with_an_audit_entry(
    templates, municipality, member, client_for
):
    alice = member(municipality, Role.CONSULTANT)
    report = ArrearsReportFactory(case__municipality=municipality)
    item = WorkItemFactory(municipality=municipality, case=report.case)
    grant_basket(basket=item.basket, user=alice)
    url = reverse("reporting:item-letters", kwargs={"item_id": item.pk})

    response = client_for(alice).post(url, {"template": outreach(templates).pk})

    letter = Letter.objects.get(work_item=item)
    assert response.status_code == 302
    assert (letter.created_by, letter.template.version) == (alice, 1)
    page = client_for(alice).get(url)
    assert reverse("reporting:letter-download", kwargs={"letter_id": letter.pk}) in page.content.decode()
    download = client_for(alice).get(reverse("reporting:letter-download", kwargs={"letter_id": letter.pk}))
    assert (
        "Wij kregen een melding van uw energieleverancier."
        in pdf_text(b"".join(download.streaming_content))[0]
    )
    entry = AuditLogEntry.objects.get(object_type="reporting.letter")
    assert (entry.user, entry.action, entry.work_item_id) == (alice, "download", item.pk)


@pytest.mark.django_db
def test_batch_for_a_basket_takes_its_open_items_only(
    templates, municipality, member, client_for, django_capture_on_commit_callbacks
):
    basket = WorkBasketFactory(municipality=municipality)
    open_items = [WorkItemFactory(municipality=municipality, basket=basket) for _ in range(2)]
    WorkItemFactory(municipality=municipality, basket=basket, status="closed")
    WorkItemFactory(municipality=municipality)  # another basket

    consultant = member(municipality, Role.CONSULTANT)
    grant_basket(basket=basket, user=consultant)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(consultant).post(
            reverse("reporting:batch-create"), {"basket": basket.pk, "template": outreach(templates).pk}
        )

    batch = LetterBatch.objects.get()
    assert response.url == reverse("reporting:batch-detail", kwargs={"batch_id": batch.pk})
    assert sorted(batch.letters.values_list("work_item_id", flat=True)) == [item.pk for item in open_items]
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_batch_cannot_take_another_municipalitys_basket(
    templates, municipality, other_municipality, member, client_for
):
    foreign = WorkBasketFactory(municipality=other_municipality)
    WorkItemFactory(municipality=other_municipality, basket=foreign)

    response = client_for(member(municipality, Role.CONSULTANT)).post(
        reverse("reporting:batch-create"), {"basket": foreign.pk, "template": outreach(templates).pk}
    )

    assert response.status_code == 404
    assert LetterBatch.objects.count() == 0


@pytest.mark.django_db
def test_progress_fragment_polls_until_finished(templates, municipality, member, client_for):
    batch = services.start_letter_batch(
        template=outreach(templates), items=[WorkItemFactory(municipality=municipality)], user=None
    )
    client = client_for(member(municipality, Role.CONSULTANT))
    url = reverse("reporting:batch-detail", kwargs={"batch_id": batch.pk})

    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    services.generate_letter_batch(batch=batch)
    finished = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 2s"' in running
    assert 'value="0"' in running
    assert "hx-trigger" not in finished
    assert 'value="100"' in finished
    assert reverse("reporting:batch-download", kwargs={"batch_id": batch.pk}) in finished


# -- dashboard, exports and reports ------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_shows_the_figures_of_the_month(municipality, member, client_for):
    SignalFactory.create_batch(2, debtor__municipality=municipality)

    response = client_for(member(municipality, Role.MANAGER)).get(
        reverse("reporting:dashboard"), {"period": "2026-10"}
    )

    assert response.context["period"] == PERIOD
    assert response.context["figures"].tables["signals"].rows[-1][-1] == 2
    assert response.content.decode().count("<svg") == 4


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_the_data(
    municipality, member, client_for, django_assert_max_num_queries
):
    client = client_for(member(municipality, Role.MANAGER))
    for _ in range(3):
        WorkItemFactory(municipality=municipality)
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("reporting:dashboard"), {"period": "2026-10"})
    for _ in range(10):
        WorkItemFactory(municipality=municipality)
        SignalFactory(debtor__municipality=municipality)

    with django_assert_max_num_queries(len(captured)):
        client.get(reverse("reporting:dashboard"), {"period": "2026-10"})


@pytest.mark.django_db
def test_exports_give_csv_and_xlsx(municipality, member, client_for):
    SignalFactory(debtor__municipality=municipality)
    client = client_for(member(municipality, Role.MANAGER))

    csv_response = client.get(reverse("reporting:export-csv"), {"period": "2026-10", "table": "signals"})
    xlsx_response = client.get(reverse("reporting:export-xlsx"), {"period": "2026-10"})

    assert csv_response["Content-Disposition"] == 'attachment; filename="signals-2026-10.csv"'
    assert csv_response.content.decode().splitlines()[-1].endswith(";1;0;0;1")
    workbook = load_workbook(io.BytesIO(xlsx_response.content))
    assert workbook["signals"].max_row == 2 + 8 + 1  # title, header, 8 types, total
    assert client.get(reverse("reporting:export-csv"), {"table": "nope"}).status_code == 400


@pytest.mark.django_db
def test_manager_asks_for_a_report_and_downloads_it(
    municipality, member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member(municipality, Role.MANAGER))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reporting:report-generate"), {"period": "2026-10"})
    report = ManagementReport.objects.get(municipality=municipality)
    services.generate_management_report(report=report)
    download = client.get(reverse("reporting:report-download", kwargs={"report_id": report.pk}))

    assert response.status_code == 302
    assert len(callbacks) == 1
    assert (report.period, report.requested_by is not None) == (datetime.date(2026, 10, 1), True)
    assert "Managementrapportage oktober 2026" in pdf_text(b"".join(download.streaming_content))[0]


@pytest.mark.django_db
def test_report_list_polls_while_a_report_is_being_made(municipality, member, client_for):
    ManagementReport.objects.create(municipality=municipality, period=PERIOD)

    html = (
        client_for(member(municipality, Role.MANAGER)).get(reverse("reporting:report-list")).content.decode()
    )

    assert 'hx-trigger="every 3s"' in html
