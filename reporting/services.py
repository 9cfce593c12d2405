"""Use cases of reporting: letter templates, letters, management reports."""

from tenancy.models import Municipality


def create_default_letter_templates(*, municipality: Municipality) -> None:
    """Give a new municipality the default B1 letter templates of domain.md section 7."""
    # Filled by the letters issue (issue 7).
