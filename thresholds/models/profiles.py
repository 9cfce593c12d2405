from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel

money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class ThresholdProfile(TenantModel):
    """The thresholds of one debtor category in one municipality (domain.md section 4)."""

    category = models.CharField(_("category"), max_length=20)  # intake.DebtorCategory values
    income_threshold = models.DecimalField(_("income threshold (T)"), default=Decimal(1500), **money)
    rise_abs = models.DecimalField(_("required rise in euro (R_abs)"), default=Decimal(100), **money)
    rise_pct = models.DecimalField(
        _("required rise in percent (R_pct)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(10),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )
    persistence_months = models.PositiveSmallIntegerField(_("persistence in months (N)"), default=2)
    lookback_months = models.PositiveSmallIntegerField(_("look-back in months (L)"), default=12)
    vow_norm = models.DecimalField(_("VOW norm (V)"), default=Decimal(1400), **money)
    asset_threshold = models.DecimalField(_("asset threshold (A)"), default=Decimal(7500), **money)
    vehicle_threshold = models.DecimalField(_("vehicle value threshold (W)"), default=Decimal(5000), **money)
    enabled_signal_types = models.JSONField(_("signal types switched on"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "category"], name="threshold_profile_unique_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.category}"
