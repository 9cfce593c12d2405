"""Basket administration: order, conditions, treatment path, what-if and access."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenancy.access import get_owned_or_404, role_required
from tenancy.models import Role
from workbaskets import routing, services
from workbaskets.forms import BasketForm, ConditionFormSet, GrantForm, StepFormSet, condition_initial, filled
from workbaskets.models import WorkBasket, WorkBasketGroupObjectPermission, WorkBasketUserObjectPermission


@role_required(Role.ADMINISTRATOR)
def basket_manage(request: HttpRequest) -> HttpResponse:
    baskets = WorkBasket.objects.for_municipality(request.municipality).order_by("position", "pk")  # type: ignore[attr-defined]
    return render(request, "workbaskets/manage.html", {"baskets": baskets})


@require_POST
@role_required(Role.ADMINISTRATOR)
def basket_move(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = get_owned_or_404(WorkBasket, request, pk=basket_id)
    services.move_basket(basket=basket, offset=-1 if request.POST.get("direction") == "up" else 1)
    moved = services.reroute_unstarted(municipality=basket.municipality)
    messages.success(request, _("Order saved; %(count)d unstarted items moved.") % {"count": moved})
    return redirect("workbaskets:basket-manage")


@require_POST
@role_required(Role.ADMINISTRATOR)
def basket_reorder(request: HttpRequest) -> HttpResponse:
    try:
        order = [int(pk) for pk in request.POST.getlist("order")]
    except ValueError as error:
        raise Http404 from error
    services.reorder_baskets(municipality=request.municipality, basket_ids=order)  # type: ignore[attr-defined]
    moved = services.reroute_unstarted(municipality=request.municipality)  # type: ignore[attr-defined]
    messages.success(request, _("Order saved; %(count)d unstarted items moved.") % {"count": moved})
    return redirect("workbaskets:basket-manage")


def _proposed(baskets: list[WorkBasket], edited: WorkBasket) -> list[routing.Basket]:
    proposed = [edited.as_routing_basket() if b.pk == edited.pk else b.as_routing_basket() for b in baskets]
    if edited.pk is None:
        proposed.append(edited.as_routing_basket())
    if not edited.is_active:
        proposed = [b for b in proposed if b.key != edited.pk]
    return proposed


@role_required(Role.ADMINISTRATOR)
def basket_edit(request: HttpRequest, basket_id: int | None = None) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    basket = (
        get_owned_or_404(WorkBasket, request, pk=basket_id)
        if basket_id
        else WorkBasket(municipality=municipality, position=None)
    )
    form = BasketForm(request.POST or None, instance=basket)
    conditions = ConditionFormSet(
        request.POST or None, prefix="conditions", initial=condition_initial(basket)
    )
    steps = StepFormSet(request.POST or None, prefix="steps", initial=basket.treatment_path)
    preview = None
    if request.method == "POST" and form.is_valid() and conditions.is_valid() and steps.is_valid():
        edited = form.save(commit=False)
        edited.conditions = [data["condition"].as_json() for data in filled(conditions)]
        edited.treatment_path = [
            {k: data[k] for k in ("action", "label", "term_days", "working_days")} for data in filled(steps)
        ]
        if "preview" in request.POST:
            others = list(
                WorkBasket.objects.for_municipality(municipality).filter(is_active=True).order_by("position")
            )
            if edited.pk is None:
                edited.pk = 0  # a key for the what-if only; never saved
                preview = services.preview_baskets(
                    municipality=municipality, proposed=_proposed(others, edited)
                )
                edited.pk = None
            else:
                preview = services.preview_baskets(
                    municipality=municipality, proposed=_proposed(others, edited)
                )
        else:
            moved = services.save_basket(basket=edited)
            messages.success(request, _("Basket saved; %(count)d unstarted items moved.") % {"count": moved})
            return redirect("workbaskets:basket-manage")
    return render(
        request,
        "workbaskets/basket_form.html",
        {"basket": basket, "form": form, "conditions": conditions, "steps": steps, "preview": preview},
    )


@role_required(Role.ADMINISTRATOR)
def basket_access(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = get_owned_or_404(WorkBasket, request, pk=basket_id)
    form = GrantForm(request.POST or None, municipality_id=basket.municipality_id)
    if request.method == "POST":
        if "revoke_user" in request.POST or "revoke_team" in request.POST:
            users = {str(u.pk): u for u in form.fields["user"].queryset}
            teams = {str(t.pk): t for t in form.fields["team"].queryset}
            user, team = (
                users.get(request.POST.get("revoke_user", "")),
                teams.get(request.POST.get("revoke_team", "")),
            )
            if user or team:
                services.revoke_basket(basket=basket, user=user, team=team)
            return redirect("workbaskets:basket-access", basket_id=basket.pk)
        if form.is_valid():
            services.grant_basket(
                basket=basket, user=form.cleaned_data["user"], team=form.cleaned_data["team"]
            )
            messages.success(request, _("Access granted."))
            return redirect("workbaskets:basket-access", basket_id=basket.pk)
    teams = {services.team_group_name(t.pk): t for t in form.fields["team"].queryset}
    granted_teams = [
        teams[name]
        for name in WorkBasketGroupObjectPermission.objects.filter(content_object=basket).values_list(
            "group__name", flat=True
        )
        if name in teams
    ]
    granted_users = [
        p.user
        for p in WorkBasketUserObjectPermission.objects.filter(content_object=basket).select_related("user")
    ]
    return render(
        request,
        "workbaskets/basket_access.html",
        {"basket": basket, "form": form, "granted_users": granted_users, "granted_teams": granted_teams},
    )
