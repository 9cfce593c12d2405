"""The defaults of domain.md section 4: plain data, importable without Django."""

from decimal import Decimal

SIGNAL_TYPES = (
    "INCOME_ABOVE_THRESHOLD",
    "INCOME_RISE",
    "NEW_INCOME_SOURCE",
    "INCOME_ABOVE_AFTER_DROP",
    "VOW_FOUND_ABOVE_NORM",
    "VOW_FOUND_BELOW_NORM",
    "ASSETS",
    "VEHICLE",
)
CATEGORIES = ("payer", "non_payer", "vow")

_INCOME_TYPES = ("INCOME_ABOVE_THRESHOLD", "INCOME_RISE", "NEW_INCOME_SOURCE", "INCOME_ABOVE_AFTER_DROP")
_EVERYONE = ("ASSETS", "VEHICLE")

# Which signal types can apply to a category at all ("Categories: ..." in the spec); the
# per-category switches choose among these.
APPLICABLE: dict[str, tuple[str, ...]] = {
    "payer": _INCOME_TYPES + _EVERYONE,
    "non_payer": _INCOME_TYPES + _EVERYONE,
    "vow": ("VOW_FOUND_ABOVE_NORM", "VOW_FOUND_BELOW_NORM", *_EVERYONE),
}

DEFAULT_ENABLED: dict[str, tuple[str, ...]] = {
    "payer": ("INCOME_RISE", "NEW_INCOME_SOURCE", "ASSETS", "VEHICLE"),
    "non_payer": (
        "INCOME_ABOVE_THRESHOLD",
        "NEW_INCOME_SOURCE",
        "INCOME_ABOVE_AFTER_DROP",
        "ASSETS",
        "VEHICLE",
    ),
    "vow": ("VOW_FOUND_ABOVE_NORM", "VOW_FOUND_BELOW_NORM", "ASSETS", "VEHICLE"),
}

DEFAULT_VALUES: dict[str, Decimal | int] = {
    "income_threshold": Decimal(1500),
    "rise_abs": Decimal(100),
    "rise_pct": Decimal(10),
    "persistence_months": 2,
    "lookback_months": 12,
    "vow_norm": Decimal(1400),
    "asset_threshold": Decimal(7500),
    "vehicle_threshold": Decimal(5000),
}
