"""Use cases of work baskets: defaults, routing, the life of a work item."""

from tenancy.models import Municipality


def create_default_baskets(*, municipality: Municipality) -> None:
    """Give a new municipality the default work baskets of domain.md section 6."""
    # Filled by the work-basket issue (issue 6).
