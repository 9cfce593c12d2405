"""PDF rendering and merging: the only module that imports WeasyPrint.

Letters and reports are rendered as PDF/UA-1 (tagged, with the document language and title),
which is what WeasyPrint supports for accessibility. Set `lang` on `<html>` and a `<title>`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from functools import cache
from typing import IO, Any

PDF_VARIANT = "pdf/ua-1"


@cache
def _url_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    # Letters contain text that administrators typed; never let a document reach the network
    # or the file system (SSRF, local file disclosure). Logos arrive as data: URIs.
    return URLFetcher(allowed_protocols={"data"})


@cache
def _font_configuration() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str) -> bytes:
    """Render one HTML document to an accessible PDF."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_url_fetcher())
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, font_config=_font_configuration())
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a Django template to an accessible PDF."""
    from django.template.loader import render_to_string

    return html_to_pdf(render_to_string(template_name, dict(context)))


def merge_pdfs(documents: Iterable[bytes | IO[bytes]], target: IO[bytes]) -> int:
    """Append the pages of every document to one PDF written to target; return the page count.

    Streams: each source is parsed, copied and forgotten before the next is read, so memory stays
    flat however many letters a print batch holds (pypdf's PdfWriter keeps every page until the end).
    The result is a print file: structure trees and outlines of the sources are not carried over.
    """
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

    catalog_number, pages_number = 1, 2
    offsets: dict[int, int] = {}
    page_numbers: list[int] = []
    next_number = 3

    def write_object(number: int, value: Any) -> None:
        offsets[number] = target.tell()
        target.write(f"{number} 0 obj\n".encode())
        value.write_to_stream(target)
        target.write(b"\nendobj\n")

    target.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for source in documents:
        reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
        renumbered: dict[int, int] = {}
        queue: list[int] = []

        def remap(value: Any, *, renumbered: dict[int, int] = renumbered, queue: list[int] = queue) -> Any:
            # pypdf resolves references on item access; dict/list access keeps the raw reference.
            nonlocal next_number
            if isinstance(value, IndirectObject):
                if value.idnum not in renumbered:
                    renumbered[value.idnum] = next_number
                    next_number += 1
                    queue.append(value.idnum)
                return IndirectObject(renumbered[value.idnum], 0, None)  # type: ignore[arg-type]
            if isinstance(value, DictionaryObject):  # also StreamObject: its data is copied as is
                for key, item in list(dict.items(value)):
                    dict.__setitem__(value, key, remap(item))
            elif isinstance(value, ArrayObject):
                for index, item in enumerate(list(list.__iter__(value))):
                    list.__setitem__(value, index, remap(item))
            return value

        source_pages: set[int] = set()
        for page in reader.pages:
            # Inherited attributes live on the source's page tree, which is not copied.
            for key in ("/Resources", "/MediaBox", "/CropBox", "/Rotate"):
                if key not in page and (inherited := page.get_inherited(key)) is not None:
                    page[NameObject(key)] = inherited
            # Links back into the source's page tree and structure tree are dropped.
            for key in ("/Parent", "/StructParents", "/Annots"):
                page.pop(key, None)
            reference = page.indirect_reference
            assert reference is not None
            source_pages.add(reference.idnum)
            remap(reference)
            page_numbers.append(renumbered[reference.idnum])
        while queue:
            source_number = queue.pop()
            value = remap(reader.get_object(source_number))
            if source_number in source_pages:
                value[NameObject("/Parent")] = IndirectObject(pages_number, 0, None)  # type: ignore[arg-type]
            write_object(renumbered[source_number], value)

    write_object(
        pages_number,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Count"): NumberObject(len(page_numbers)),
                NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in page_numbers),  # type: ignore[arg-type]
            }
        ),
    )
    write_object(
        catalog_number,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(pages_number, 0, None),  # type: ignore[arg-type]
            }
        ),
    )
    xref_offset = target.tell()
    target.write(f"xref\n0 {next_number}\n0000000000 65535 f \n".encode())
    for number in range(1, next_number):
        target.write(f"{offsets.get(number, 0):010d} 00000 n \n".encode())
    target.write(
        f"trailer\n<< /Size {next_number} /Root {catalog_number} 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n".encode()
    )
    return len(page_numbers)
