"""Demo data of work baskets: route the demo signals and cases, and grant the demo teams access."""

from django.db import transaction

from tenancy.demo import DemoContext
from tenancy.models import Team

from . import services
from .models import WorkBasket, WorkItem


@transaction.atomic
def route_demo_work(*, context: DemoContext) -> None:
    """Route the demo signals and cases into work items."""
    for municipality in context.municipalities:
        services.create_default_baskets(municipality=municipality)
        baskets = list(WorkBasket.objects.for_municipality(municipality).order_by("position"))
        for team in Team.objects.for_municipality(municipality):
            # The office team triages every basket; the wijkteam gets the crisis basket only.
            granted = baskets if team.kind == Team.Kind.OFFICE else baskets[:1]
            for basket in granted:
                services.grant_basket(basket=basket, team=team)
        result = services.route_new_work(municipality=municipality)
        wijkteam = Team.objects.for_municipality(municipality).filter(kind=Team.Kind.WIJKTEAM).first()
        if wijkteam is not None:
            # Share a few single items too, to show item-level sharing.
            shared = list(
                WorkItem.objects.for_municipality(municipality)
                .open()
                .order_by("pk")
                .values_list("pk", flat=True)[:3]
            )
            WorkItem.objects.filter(pk__in=shared).update(shared_with=wijkteam)
        context.log(
            f"{municipality.name}: {result.created} work items routed, {result.rerouted} re-routed, "
            f"{result.flagged} flagged"
        )
