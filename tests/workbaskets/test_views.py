import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tenancy.models import AuditLogEntry, Role
from tests.tenancy.factories import MembershipFactory, MunicipalityFactory, TeamFactory
from tests.workbaskets.factories import WorkBasketFactory, WorkItemFactory
from workbaskets import services
from workbaskets.models import SavedFilter, WorkBasket, WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def basket(municipality):
    return WorkBasketFactory(municipality=municipality, name="Inkomen gevonden")


@pytest.fixture
def alice(municipality, basket):
    """A consultant with a grant on the basket."""
    user = MembershipFactory(municipality=municipality).user
    services.grant_basket(basket=basket, user=user)
    return user


@pytest.fixture
def bob(municipality):
    """A consultant of the same municipality without any grant."""
    return MembershipFactory(municipality=municipality).user


def test_overview_counts_open_new_due_soon_and_overdue(municipality, basket, alice, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC))
    WorkItemFactory(basket=basket, due_date=datetime.date(2026, 11, 19))
    WorkItemFactory(basket=basket, due_date=datetime.date(2026, 11, 22), started=True)
    WorkItemFactory(basket=basket, due_date=datetime.date(2026, 12, 30))
    WorkItemFactory(basket=basket, due_date=datetime.date(2026, 11, 1), status=WorkItem.Status.CLOSED)

    response = client_for(alice).get(reverse("workbaskets:basket-overview"))

    row = response.context["baskets"][0]
    assert (row.open_count, row.new_count, row.due_soon_count, row.overdue_count) == (3, 2, 1, 1)


def test_consultant_without_grant_gets_404(basket, bob, client_for):
    item = WorkItemFactory(basket=basket)
    client = client_for(bob)

    assert client.get(reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk})).status_code == 404
    assert client.get(reverse("workbaskets:item-detail", kwargs={"item_id": item.pk})).status_code == 404
    assert (
        client.post(reverse("workbaskets:item-note", kwargs={"item_id": item.pk}), {"text": "x"}).status_code
        == 404
    )
    assert list(client.get(reverse("workbaskets:basket-overview")).context["baskets"]) == []


def test_team_grant_gives_access_to_team_members(municipality, basket, client_for):
    team = TeamFactory(municipality=municipality)
    membership = MembershipFactory(municipality=municipality)
    membership.teams.add(team)
    services.grant_basket(basket=basket, team=team)

    response = client_for(membership.user).get(
        reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk})
    )

    assert response.status_code == 200


def test_wijkteam_sees_only_the_item_shared_with_it(municipality, basket, client_for):
    wijkteam = TeamFactory(municipality=municipality, wijkteam=True)
    member = MembershipFactory(municipality=municipality)
    member.teams.add(wijkteam)
    shared = WorkItemFactory(basket=basket, shared_with=wijkteam)
    other = WorkItemFactory(basket=basket)
    client = client_for(member.user)

    assert client.get(reverse("workbaskets:item-detail", kwargs={"item_id": shared.pk})).status_code == 200
    assert client.get(reverse("workbaskets:item-detail", kwargs={"item_id": other.pk})).status_code == 404
    listed = client.get(reverse("workbaskets:shared-list")).context["page"].object_list
    assert [item.pk for item in listed] == [shared.pk]
    response = client.post(
        reverse("workbaskets:item-note", kwargs={"item_id": shared.pk}), {"text": "huisbezoek gedaan"}
    )
    assert response.status_code == 302
    assert WorkItemEvent.objects.get(work_item=shared, kind="note").text == "huisbezoek gedaan"


def test_manager_reads_but_cannot_change(municipality, basket, client_for):
    manager = MembershipFactory(municipality=municipality, manager=True).user
    item = WorkItemFactory(basket=basket)
    client = client_for(manager)

    assert client.get(reverse("workbaskets:item-detail", kwargs={"item_id": item.pk})).status_code == 200
    assert (
        client.post(reverse("workbaskets:item-note", kwargs={"item_id": item.pk}), {"text": "x"}).status_code
        == 403
    )
    assert WorkItemEvent.objects.count() == 0


def test_consultant_cannot_configure_baskets(alice, client_for):
    assert client_for(alice).get(reverse("workbaskets:basket-manage")).status_code == 403


def test_list_filters_and_sorts(basket, alice, client_for):
    WorkItemFactory(basket=basket, person_ref="A", district="Noord", amount=Decimal("500.00"))
    WorkItemFactory(basket=basket, person_ref="B", district="Noord", amount=Decimal("1500.00"))
    WorkItemFactory(basket=basket, person_ref="C", district="Zuid", amount=Decimal("2500.00"))
    WorkItemFactory(
        basket=basket, person_ref="D", district="Noord", amount=Decimal("900.00"), signal_types="|ASSETS|"
    )

    response = client_for(alice).get(
        reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk}),
        {"district": "noord", "amount_min": "600", "signal_type": "INCOME_RISE", "sort": "-amount"},
    )

    assert [item.person_ref for item in response.context["page"]] == ["B"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"assignee": "none"}, ["A", "C"]),
        ({"assignee": "me"}, ["B"]),
        ({"status": "all"}, ["A", "B", "C", "X"]),
        ({"status": "closed"}, ["X"]),
        ({"overdue": "on"}, ["C"]),
        ({"age_min": "30", "age_max": "50"}, ["A"]),
        ({"category": "vow"}, ["C"]),
        ({"partner_type": "Huur"}, ["B"]),
        ({"sort": "-due"}, ["B", "A", "C"]),
    ],
)
def test_list_filters_table(basket, alice, client_for, params, expected, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC))
    WorkItemFactory(basket=basket, person_ref="A", age=40, due_date=datetime.date(2026, 12, 1))
    WorkItemFactory(
        basket=basket,
        person_ref="B",
        assignee=alice,
        age=25,
        partner_types="|Huur|",
        due_date=datetime.date(2026, 12, 5),
    )
    WorkItemFactory(basket=basket, person_ref="C", debtor_category="vow", due_date=datetime.date(2026, 11, 2))
    WorkItemFactory(
        basket=basket, person_ref="X", status=WorkItem.Status.CLOSED, due_date=datetime.date(2026, 11, 1)
    )

    response = client_for(alice).get(
        reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk}), params
    )

    assert sorted(i.person_ref for i in response.context["page"]) == sorted(expected)
    if "sort" in params:
        assert [i.person_ref for i in response.context["page"]] == expected


def test_list_paginates_at_fifty(basket, alice, client_for):
    WorkItemFactory.create_batch(51, basket=basket)

    response = client_for(alice).get(
        reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk}), {"page": 2}
    )

    assert (response.context["page"].number, len(response.context["page"].object_list)) == (2, 1)


def test_bulk_assign_and_status_change(municipality, basket, alice, client_for):
    first, second, third = WorkItemFactory.create_batch(3, basket=basket)
    client = client_for(alice)
    url = reverse("workbaskets:basket-bulk", kwargs={"basket_id": basket.pk})

    client.post(url, {"action": "assign", "items": [first.pk, second.pk], "assignee": alice.pk})
    client.post(
        url, {"action": "status", "items": [third.pk], "status": "waiting", "reason": "wacht op bewijs"}
    )

    assert list(WorkItem.objects.order_by("pk").values_list("assignee", "status")) == [
        (alice.pk, "in_progress"),
        (alice.pk, "in_progress"),
        (None, "waiting"),
    ]
    assert WorkItemEvent.objects.get(work_item=third).text.endswith(": wacht op bewijs")


def test_bulk_status_without_reason_changes_nothing(basket, alice, client_for):
    item = WorkItemFactory(basket=basket)

    client_for(alice).post(
        reverse("workbaskets:basket-bulk", kwargs={"basket_id": basket.pk}),
        {"action": "status", "items": [item.pk], "status": "waiting", "reason": ""},
    )

    assert WorkItem.objects.get().status == "new"


def test_bulk_ignores_items_of_another_basket(municipality, basket, alice, client_for):
    elsewhere = WorkItemFactory(basket=WorkBasketFactory(municipality=municipality))

    client_for(alice).post(
        reverse("workbaskets:basket-bulk", kwargs={"basket_id": basket.pk}),
        {"action": "assign", "items": [elsewhere.pk], "assignee": alice.pk},
    )

    assert WorkItem.objects.get().assignee is None


def test_saved_filter_round_trip(basket, alice, client_for):
    client = client_for(alice)

    client.post(
        reverse("workbaskets:filter-save", kwargs={"basket_id": basket.pk}),
        {"name": "Noord", "query": "district=Noord"},
    )
    response = client.get(reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk}))

    saved = SavedFilter.objects.get()
    assert (saved.name, saved.query, saved.user) == ("Noord", "district=Noord", alice)
    assert list(response.context["saved_filters"]) == [saved]


def test_export_csv_is_audit_logged(municipality, basket, alice, client_for):
    item = WorkItemFactory(basket=basket, person_ref="D000123", district="Noord", amount=Decimal("10.50"))

    response = client_for(alice).get(
        reverse("workbaskets:basket-export", kwargs={"basket_id": basket.pk}),
        {"format": "csv", "district": "Noord"},
    )

    assert response.content.decode().splitlines() == [
        "item,person_ref,name,basket,status,assignee,due_date,district,amount,signal_types,partner_types",
        f"{item.pk},D000123,,Inkomen gevonden,new,,2026-12-01,Noord,10.50,INCOME_RISE,",
    ]
    entry = AuditLogEntry.objects.get(action="export")
    assert (entry.user, entry.object_id, entry.detail["rows"]) == (alice, str(basket.pk), 1)


def test_export_xlsx(basket, alice, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    item = WorkItemFactory(basket=basket, person_ref="D1")

    response = client_for(alice).get(
        reverse("workbaskets:basket-export", kwargs={"basket_id": basket.pk}), {"format": "xlsx"}
    )

    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == (item.pk, "D1", None, "Inkomen gevonden")


def test_item_page_is_audit_logged(basket, alice, client_for):
    item = WorkItemFactory(basket=basket, person_ref="D000777")

    client_for(alice).get(reverse("workbaskets:item-detail", kwargs={"item_id": item.pk}))

    entry = AuditLogEntry.objects.get(action="view")
    assert (entry.person_ref, entry.work_item_id, entry.object_type) == (
        "D000777",
        item.pk,
        "workbaskets.workitem",
    )


def test_item_actions_contact_and_close(basket, alice, client_for):
    item = WorkItemFactory(basket=basket)
    client = client_for(alice)

    client.post(
        reverse("workbaskets:item-contact", kwargs={"item_id": item.pk}),
        {"kind": "Huisbezoek", "reached": "on", "date": "2026-11-02", "part_of_day": "Avond", "note": ""},
    )
    client.post(
        reverse("workbaskets:item-close", kwargs={"item_id": item.pk}), {"outcome": "arrangement_made"}
    )

    item.refresh_from_db()
    assert (item.status, item.outcome) == ("closed", "arrangement_made")
    assert list(item.events.values_list("kind", flat=True)) == ["contact", "closed"]


def test_list_queries_do_not_grow_with_items(basket, alice, client_for, django_assert_max_num_queries):
    client = client_for(alice)
    url = reverse("workbaskets:basket-list", kwargs={"basket_id": basket.pk})
    WorkItemFactory.create_batch(3, basket=basket, assignee=alice)
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"district": "Noord", "amount_min": "10"})
    WorkItemFactory.create_batch(40, basket=basket, assignee=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"district": "Noord", "amount_min": "10"})


def test_item_page_queries_do_not_grow(
    municipality, basket, alice, client_for, django_assert_max_num_queries
):
    item = WorkItemFactory(basket=basket)
    client = client_for(alice)
    url = reverse("workbaskets:item-detail", kwargs={"item_id": item.pk})
    services.add_note(item=item, text="een", by=alice)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for number in range(20):
        services.add_note(item=item, text=f"notitie {number}", by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.fixture
def administrator(municipality):
    return MembershipFactory(municipality=municipality, role=Role.ADMINISTRATOR).user


def test_administrator_previews_and_saves_a_basket(municipality, administrator, client_for):
    services.create_default_baskets(municipality=municipality)
    for _ in range(2):
        WorkItemFactory(
            basket=WorkBasket.objects.get(municipality=municipality, name="Overig"),
            facts={"kind": "debtor_signal", "district": "Zuid", "signal_types": ["VOW_FOUND_BELOW_NORM"]},
        )
    data = {
        "name": "Zuid",
        "match_mode": "all",
        "is_active": "on",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "district",
        "conditions-0-operator": "=",
        "conditions-0-value": "Zuid",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-action": "Telefoon",
        "steps-0-label": "Bellen",
        "steps-0-term_days": "5",
    }
    client = client_for(administrator)

    client.post(reverse("workbaskets:basket-create"), {**data, "save": "1"})
    zuid = WorkBasket.objects.get(name="Zuid")
    assert zuid.position == 10
    assert zuid.conditions == [{"field": "district", "operator": "=", "value": "Zuid"}]
    assert WorkItem.objects.filter(basket__name="Overig").count() == 2  # last: Overig catches them first

    client.post(reverse("workbaskets:basket-move", kwargs={"basket_id": zuid.pk}), {"direction": "up"})
    assert WorkItem.objects.filter(basket=zuid).count() == 2

    edit = reverse("workbaskets:basket-edit", kwargs={"basket_id": zuid.pk})
    data["conditions-0-value"] = "Noord"
    preview = client.post(edit, {**data, "preview": "1"}).context["preview"]
    assert preview.moves == {("Zuid", "Overig"): 2}
    zuid.refresh_from_db()
    assert zuid.conditions[0]["value"] == "Zuid"
    assert WorkItem.objects.filter(basket=zuid).count() == 2


def test_invalid_condition_is_refused(municipality, administrator, client_for):
    response = client_for(administrator).post(
        reverse("workbaskets:basket-create"),
        {
            "name": "Fout",
            "match_mode": "all",
            "conditions-TOTAL_FORMS": "1",
            "conditions-INITIAL_FORMS": "0",
            "conditions-0-field": "crisis",
            "conditions-0-operator": "<",
            "conditions-0-value": "ja",
            "steps-TOTAL_FORMS": "0",
            "steps-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert not WorkBasket.objects.filter(name="Fout").exists()


def test_administrator_grants_a_team(municipality, basket, administrator, client_for):
    team = TeamFactory(municipality=municipality, wijkteam=True)
    other_team = TeamFactory(municipality=MunicipalityFactory())
    client = client_for(administrator)
    url = reverse("workbaskets:basket-access", kwargs={"basket_id": basket.pk})

    client.post(url, {"team": other_team.pk})
    client.post(url, {"team": team.pk})

    assert client.get(url).context["granted_teams"] == [team]
