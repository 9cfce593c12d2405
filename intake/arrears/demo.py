"""Demo data of vroegsignalering: suppliers, covenants and arrears reports."""

from tenancy.demo import DemoContext


def create_arrears_reports(*, context: DemoContext) -> None:
    """Create synthetic suppliers with covenants and arrears reports for every demo municipality."""
    # Filled by the supplier API issue (issue 5).
