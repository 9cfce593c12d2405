from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class ThresholdChange(TenantModel):
    """One saved change of a threshold profile: who, when, and every field's old and new value."""

    profile = models.ForeignKey(
        "thresholds.ThresholdProfile", on_delete=models.CASCADE, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_name = models.CharField(_("changed by"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changes = models.JSONField(_("changes"), default=dict, help_text=_("field -> [old, new]"))

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.changed_at:%Y-%m-%d %H:%M}"
