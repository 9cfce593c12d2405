from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantModel

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #0b5394."))
cbs_code = RegexValidator(r"^\d{4}$", _("A CBS municipality code has 4 digits, e.g. 0363."))


class Municipality(models.Model):
    code = models.CharField(_("CBS code"), max_length=4, unique=True, validators=[cbs_code])
    name = models.CharField(_("name"), max_length=100)
    address_line = models.CharField(_("postal address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#154273", validators=[hex_colour]
    )
    evaluation_day = models.PositiveSmallIntegerField(
        _("day of the month for the monthly run"), default=5, help_text=_("1 to 28")
    )
    strict_intake = models.BooleanField(
        _("strict intake"), default=False, help_text=_("Reject a whole file when any row has an error.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(evaluation_day__gte=1, evaluation_day__lte=28),
                name="evaluation_day_1_to_28",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("consultant")
    ADMINISTRATOR = "administrator", _("administrator")
    MANAGER = "manager", _("manager")


class Team(TenantModel):
    class Kind(models.TextChoices):
        OFFICE = "office", _("office team")
        WIJKTEAM = "wijkteam", _("neighbourhood team (outside the office)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    teams = models.ManyToManyField(Team, blank=True, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user"], name="membership_one_per_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.municipality_id}"

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_consultant(self) -> bool:
        return self.role == Role.CONSULTANT
