"""Demo data of signals: run the monthly batch over the demo data."""

from tenancy.demo import DemoContext


def run_monthly_batch(*, context: DemoContext) -> None:
    """Run the monthly evaluation for the last demo period of every demo municipality."""
    # Filled by the signals issue (issue 4).
