"""Makers for the isolation walk: URL keyword arguments of thresholds -> objects of the given municipality."""

from tenancy.models import Municipality
from tests.signals.factories import ThresholdProfileFactory


def make_profile(municipality: Municipality) -> int:
    return ThresholdProfileFactory(municipality=municipality, category="payer").pk


KWARGS = {"profile_id": make_profile}
