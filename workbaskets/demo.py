"""Demo data of work baskets: route the demo signals and cases."""

from tenancy.demo import DemoContext


def route_demo_work(*, context: DemoContext) -> None:
    """Route the demo signals and cases into work items."""
    # Filled by the work-basket issue (issue 6).
