from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import AuditLogEntry, Municipality, Role, Team


class MemberForm(forms.Form):
    """Add a person to the municipality, or change their role and teams."""

    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Only for a new user. At least 12 characters."),
    )

    def __init__(self, *args: object, municipality: Municipality, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["teams"].queryset = Team.objects.for_municipality(municipality)  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        exists = get_user_model().objects.filter(username=data.get("username", "")).exists()
        if not exists:
            if not data.get("password"):
                self.add_error("password", _("A new user needs an initial password."))
            else:
                try:
                    validate_password(data["password"])
                except forms.ValidationError as error:
                    self.add_error("password", error)
        return data


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Person (debtor number or case id)"), required=False)
    actor = forms.CharField(label=_("Who"), required=False)
    action = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("everything")), *AuditLogEntry.Action.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, entries: QuerySet[AuditLogEntry]) -> QuerySet[AuditLogEntry]:
        data = self.cleaned_data
        if data["person"]:
            entries = entries.filter(person_ref=data["person"].strip())
        if data["actor"]:
            entries = entries.filter(actor__icontains=data["actor"].strip())
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(created_at__date__lte=data["date_to"])
        return entries
