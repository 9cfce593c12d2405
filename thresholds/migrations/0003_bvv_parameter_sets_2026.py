"""Load the BVV parameter sets valid from 1 January 2026 and 1 July 2026 (domain.md section 8).

The values are frozen here on purpose: a migration must give the same rows forever, whatever the
code later does. Each value carries its source; later sets are added by a superuser in the admin.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

LAW = "Rv art. 475da (formula in force from 1-1-2026)"
JANUARY = "amounts per 1 January 2026"
JULY = "amounts per 1 July 2026 (half-yearly indexation)"

JANUARY_2026 = {
    "norm_single": ("1401.50", f"A: norm single, Participatiewet art. 21 via {LAW}; {JANUARY}"),
    "norm_couple": ("2002.13", f"B: norm couple, Participatiewet art. 21 via {LAW}; {JANUARY}"),
    "healthcare_threshold": ("29735.424", f"D: drempelinkomen, Wet op de zorgtoeslag (unrounded); {JANUARY}"),
    "healthcare_rate": ("0.1373", f"E: 13.73%, percentage of the zorgtoeslag formula; {JANUARY}"),
    "standard_premium": ("2119", f"S: standaardpremie (yearly), Wet op de zorgtoeslag; {JANUARY}"),
    "healthcare_deduction_single": ("47", f"the 47 in Z = S/12 - 47, {LAW}"),
    "healthcare_deduction_couple": ("106", f"the 106 in Z = 2S/12 - 106, {LAW}"),
    "housing_rate_single": ("0.27", f"F: 27%, housing term single, {LAW}; {JANUARY}"),
    "housing_rate_multi": ("0.22", f"G: 22%, housing term multi-person, {LAW}; {JANUARY}"),
    "rent_ceiling": ("932.93", f"H: maximale huurgrens, Wet op de huurtoeslag; {JANUARY}"),
    "minimum_income_single": ("23425", f"MIP_1p: minimum income single, Wet op de huurtoeslag; {JANUARY}"),
    "minimum_income_multi": ("31500", f"MIP_mp: minimum income multi-person, Wet op de huurtoeslag; {JANUARY}"),
    "own_rent_single": ("202.52", f"J_1p: own share of rent single, Wet op de huurtoeslag; {JANUARY}"),
    "own_rent_multi": ("200.71", f"J_mp: own share of rent multi-person, Wet op de huurtoeslag; {JANUARY}"),
    "child_rate": ("0.076", f"K: 7.60%, Wet op het kindgebonden budget; {JANUARY}"),
    "child_threshold_extra": ("9405", f"L: extra threshold for couples, Wet op het kindgebonden budget; {JANUARY}"),
    "cap_single": ("2191.42", f"maximum BVV single, {LAW}; {JANUARY}"),
    "cap_single_parent": ("2526.69", f"maximum BVV single parent, {LAW}; {JANUARY}"),
    "cap_couple": ("2881.41", f"maximum BVV couple, {LAW}; {JANUARY}"),
    "cap_couple_children": ("3155.31", f"maximum BVV couple with children, {LAW}; {JANUARY}"),
}

JULY_2026 = {
    **JANUARY_2026,
    "norm_single": ("1419.46", f"A: norm single, Participatiewet art. 21 via {LAW}; {JULY}"),
    "norm_couple": ("2027.79", f"B: norm couple, Participatiewet art. 21 via {LAW}; {JULY}"),
    "cap_single": ("2208.48", f"maximum BVV single, {LAW}; {JULY}"),
    "cap_single_parent": ("2543.75", f"maximum BVV single parent, {LAW}; {JULY}"),
    "cap_couple": ("2905.79", f"maximum BVV couple, {LAW}; {JULY}"),
    "cap_couple_children": ("3179.68", f"maximum BVV couple with children, {LAW}; {JULY}"),
}

SETS = {date(2026, 1, 1): JANUARY_2026, date(2026, 7, 1): JULY_2026}


def load(apps, schema_editor):
    BvvParameterSet = apps.get_model("thresholds", "BvvParameterSet")
    for valid_from, values in SETS.items():
        BvvParameterSet.objects.update_or_create(
            valid_from=valid_from,
            defaults={
                **{name: Decimal(value) for name, (value, _source) in values.items()},
                "sources": {name: source for name, (_value, source) in values.items()},
            },
        )


def unload(apps, schema_editor):
    apps.get_model("thresholds", "BvvParameterSet").objects.filter(valid_from__in=list(SETS)).delete()


class Migration(migrations.Migration):
    dependencies = [("thresholds", "0002_bvv_parameters_and_repayment_policy")]

    operations = [migrations.RunPython(load, unload)]
