"""Demo data of reporting: a few letters."""

from tenancy.demo import DemoContext


def create_demo_letters(*, context: DemoContext) -> None:
    """Generate a few demo letters."""
    # Filled by the letters issue (issue 7).
