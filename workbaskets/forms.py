from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import DebtorCategory
from signals.models import SignalType
from tenancy.models import Membership, PartnerType, Role, Team

from . import routing
from .models import ContactKind, PartOfDay, WorkBasket, WorkItem
from .terms import part_of_day

SORTS = {
    "due": ("due_date", "pk"),
    "-due": ("-due_date", "-pk"),
    "amount": ("amount", "pk"),
    "-amount": ("-amount", "-pk"),
    "age": ("age", "pk"),
    "-age": ("-age", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}
SORT_LABELS = {
    "due": _("due date, earliest first"),
    "-due": _("due date, latest first"),
    "amount": _("amount, lowest first"),
    "-amount": _("amount, highest first"),
    "age": _("age, youngest first"),
    "-age": _("age, oldest first"),
    "created": _("oldest items first"),
    "-created": _("newest items first"),
}


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("all")), *choices]


def member_users(municipality_id: int) -> QuerySet[Any]:
    """The users who may be assigned work: consultants and administrators of the municipality."""
    return (
        get_user_model()
        .objects.filter(
            memberships__municipality_id=municipality_id,
            memberships__role__in=(Role.CONSULTANT, Role.ADMINISTRATOR),
        )
        .order_by("username")
    )


class ItemFilterForm(forms.Form):
    """The filters of a basket list; every field optional, applied together."""

    district = forms.CharField(label=_("District"), required=False)
    partner_type = forms.ChoiceField(
        label=_("Partner type"), required=False, choices=_blank(PartnerType.choices)
    )
    signal_type = forms.ChoiceField(
        label=_("Signal type"), required=False, choices=_blank(SignalType.choices)
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_blank(DebtorCategory.choices))
    amount_min = forms.DecimalField(label=_("Amount from"), required=False, min_value=0, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount to"), required=False, min_value=0, decimal_places=2)
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=130)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("open")), *WorkItem.Status.choices, ("all", _("all"))],
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    def __init__(
        self, *args: Any, municipality_id: int, user: Any, users: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].choices = [
            ("", _("anyone")),
            ("me", _("me")),
            ("none", _("nobody")),
            *[
                (str(u.pk), u.get_username())
                for u in (users if users is not None else member_users(municipality_id))
            ],
        ]

    def apply(self, items: QuerySet[WorkItem], *, today: dt.date) -> QuerySet[WorkItem]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("district"):
            items = items.filter(district_key=data["district"].strip().upper())
        if data.get("partner_type"):
            items = items.filter(partner_types__contains=f"|{data['partner_type']}|")
        if data.get("signal_type"):
            items = items.filter(signal_types__contains=f"|{data['signal_type']}|")
        if data.get("category"):
            items = items.filter(debtor_category=data["category"])
        if data.get("amount_min") is not None:
            items = items.filter(amount__gte=data["amount_min"])
        if data.get("amount_max") is not None:
            items = items.filter(amount__lte=data["amount_max"])
        if data.get("age_min") is not None:
            items = items.filter(age__gte=data["age_min"])
        if data.get("age_max") is not None:
            items = items.filter(age__lte=data["age_max"])
        status = data.get("status", "")
        if status == "":
            items = items.open()
        elif status != "all":
            items = items.filter(status=status)
        assignee = data.get("assignee", "")
        if assignee == "me":
            items = items.filter(assignee=self.user)
        elif assignee == "none":
            items = items.filter(assignee__isnull=True)
        elif assignee:
            items = items.filter(assignee_id=int(assignee))
        if data.get("overdue"):
            items = items.filter(Q(due_date__lt=today) & ~Q(status=WorkItem.Status.CLOSED))
        return items.order_by(*SORTS.get(data.get("sort") or "due", SORTS["due"]))


class BulkForm(forms.Form):
    ACTIONS = [("assign", _("Assign")), ("status", _("Change status"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    items = forms.ModelMultipleChoiceField(queryset=WorkItem.objects.none(), label=_("Items"))
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    status = forms.ChoiceField(
        label=_("New status"),
        required=False,
        choices=[(v, label) for v, label in WorkItem.Status.choices if v != WorkItem.Status.CLOSED],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(
        self,
        *args: Any,
        items: QuerySet[WorkItem],
        municipality_id: int,
        users: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items
        self.fields["assignee"].choices = [
            ("", _("nobody")),
            *[
                (str(u.pk), u.get_username())
                for u in (users if users is not None else member_users(municipality_id))
            ],
        ]
        self.municipality_id = municipality_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status":
            if not data.get("status"):
                self.add_error("status", _("Choose a status."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Give a reason for the status change."))
        return data

    def assignee_user(self) -> Any:
        pk = self.cleaned_data.get("assignee")
        return member_users(self.municipality_id).get(pk=int(pk)) if pk else None


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality_id = municipality_id
        self.fields["assignee"].choices = [
            ("", _("nobody")),
            *[(str(u.pk), u.get_username()) for u in member_users(municipality_id)],
        ]

    def assignee_user(self) -> Any:
        pk = self.cleaned_data.get("assignee")
        return member_users(self.municipality_id).get(pk=int(pk)) if pk else None


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ContactAttemptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=ContactKind.choices)
    reached = forms.BooleanField(label=_("Person reached"), required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    part_of_day = forms.ChoiceField(label=_("Part of day"), choices=PartOfDay.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["date"].initial = now.date()
        self.fields["part_of_day"].initial = part_of_day(now.time())

    def clean_date(self) -> dt.date:
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("A contact attempt cannot be in the future."))
        return date


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", "—"), *choices]


class ShareForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Share with wijkteam"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_municipality(municipality_id)


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


class BasketForm(forms.ModelForm):
    class Meta:
        model = WorkBasket
        fields = ["name", "match_mode", "is_active"]


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=[(f.value, f.value) for f in routing.Field])
    operator = forms.ChoiceField(label=_("Operator"), choices=[(o.value, o.value) for o in routing.Operator])
    value = forms.CharField(
        label=_("Value"),
        max_length=500,
        help_text=_("For a list, separate values with commas; yes/no for facts."),
    )
    required = forms.BooleanField(label=_("Always required"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["condition"] = routing.Condition.of(
                data["field"], data["operator"], data["value"], required=data.get("required", False)
            )
        except routing.InvalidCondition as error:
            raise forms.ValidationError(str(error)) from error
        return data


class StepForm(forms.Form):
    ACTIONS = [(kind, kind) for kind in (*routing.CONTACT_KINDS, *routing.ADMINISTRATIVE_ACTIONS)]

    action = forms.ChoiceField(label=_("Contact kind or action"), choices=ACTIONS)
    label = forms.CharField(label=_("Label"), max_length=120)
    term_days = forms.IntegerField(label=_("Term in days"), min_value=0, max_value=365)
    working_days = forms.BooleanField(label=_("Working days"), required=False)


ConditionFormSet = forms.formset_factory(ConditionForm, extra=1, can_delete=True)
StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True)


def condition_initial(basket: WorkBasket) -> list[dict[str, Any]]:
    initial = []
    for stored in basket.conditions:
        condition = routing.Condition.from_json(stored)
        value = condition.as_json()["value"]
        initial.append(
            {
                "field": str(condition.field),
                "operator": str(condition.operator),
                "value": ", ".join(str(v) for v in value) if isinstance(value, list) else str(value),
                "required": condition.required,
            }
        )
    return initial


def filled(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The cleaned data of the forms that are filled in and not deleted."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Consultant"), queryset=get_user_model().objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team or wijkteam"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(
                pk__in=Membership.objects.for_municipality(municipality_id)
                .filter(role=Role.CONSULTANT)
                .values("user_id")
            )
            .order_by("username")
        )
        self.fields["team"].queryset = Team.objects.for_municipality(municipality_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose a consultant or a team."))
        return data
