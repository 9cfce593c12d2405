from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from .municipality import Municipality


class TenantQuerySet(models.QuerySet):
    def for_municipality(self, municipality: Municipality | int | None) -> Self:
        """Scope to one municipality; None (no current municipality) yields nothing."""
        if municipality is None:
            return self.none()
        return self.filter(municipality=municipality)


class TenantModel(models.Model):
    """A row owned by one municipality. Views always fetch through `for_municipality`."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
