"""Use cases of thresholds: profiles per category, their history, exclusions."""

from tenancy.models import Municipality


def create_default_thresholds(*, municipality: Municipality) -> None:
    """Give a new municipality the default threshold profiles of domain.md section 4."""
    # Filled by the thresholds issue (issue 4).
