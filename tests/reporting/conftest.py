import io
import subprocess

import pytest
from pypdf import PdfReader


def pdf_text(content: bytes) -> list[str]:
    """The text of every page of a PDF as pypdf reads it back, with line breaks as spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def first_page_png(content: bytes, tmp_path) -> bytes:
    """Render page 1 to PNG with poppler's pdftoppm, as CI's smoke test."""
    source = tmp_path / "document.pdf"
    source.write_bytes(content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "page.png").read_bytes()


@pytest.fixture
def read_pdf():
    return pdf_text
