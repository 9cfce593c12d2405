"""Demo data of intake: synthetic debtors, income histories, balances and vehicles."""

from tenancy.demo import DemoContext


def create_debtors_and_sources(*, context: DemoContext) -> None:
    """Create synthetic debtors with 12 months of source data for every demo municipality."""
    # Filled by the intake issue (issue 3).
