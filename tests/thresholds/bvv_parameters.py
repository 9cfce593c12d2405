"""The published BVV parameter sets of domain.md section 8, as plain dataclasses for the pure tests."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from thresholds.bvv import ParameterSet

JANUARY_2026 = ParameterSet(
    valid_from=date(2026, 1, 1),
    norm_single=D("1401.50"),
    norm_couple=D("2002.13"),
    healthcare_threshold=D("29735.424"),
    healthcare_rate=D("0.1373"),
    standard_premium=D("2119"),
    healthcare_deduction_single=D("47"),
    healthcare_deduction_couple=D("106"),
    housing_rate_single=D("0.27"),
    housing_rate_multi=D("0.22"),
    rent_ceiling=D("932.93"),
    minimum_income_single=D("23425"),
    minimum_income_multi=D("31500"),
    own_rent_single=D("202.52"),
    own_rent_multi=D("200.71"),
    child_rate=D("0.076"),
    child_threshold_extra=D("9405"),
    cap_single=D("2191.42"),
    cap_single_parent=D("2526.69"),
    cap_couple=D("2881.41"),
    cap_couple_children=D("3155.31"),
)

JULY_2026 = replace(
    JANUARY_2026,
    valid_from=date(2026, 7, 1),
    norm_single=D("1419.46"),
    norm_couple=D("2027.79"),
    cap_single=D("2208.48"),
    cap_single_parent=D("2543.75"),
    cap_couple=D("2905.79"),
    cap_couple_children=D("3179.68"),
)

PARAMETER_SETS = (JANUARY_2026, JULY_2026)


def load_published_parameter_sets() -> None:
    """Run the data migration's loader again (idempotent).

    A transactional test flushes the test database, and with --reuse-db the rows that migrations
    loaded do not come back; tests that need the stored sets call this first.
    """
    import importlib

    from django.apps import apps

    migration = importlib.import_module("thresholds.migrations.0003_bvv_parameter_sets_2026")
    migration.load(apps, None)
