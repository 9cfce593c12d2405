import io
import subprocess

from pypdf import PdfReader

from reporting.pdf import html_to_pdf, merge_pdfs


def document(text: str, *, annex: str = "") -> str:
    annex_html = f'<section style="break-before: page"><p>{annex}</p></section>' if annex else ""
    return (
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{text}</title></head>'
        f"<body><h1>{text}</h1><p>Bedrag € 1.234,56</p>{annex_html}</body></html>"
    )


def test_pdf_is_tagged_with_language_and_title():
    reader = PdfReader(io.BytesIO(html_to_pdf(document("Brief aan J. de Vries"))))

    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nl"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert reader.metadata.title == "Brief aan J. de Vries"
    assert reader.pages[0].extract_text() == "Brief aan J. de Vries\nBedrag € 1.234,56"


def test_external_resources_are_never_fetched(tmp_path, caplog):
    secret = tmp_path / "secret.css"
    secret.write_text("h1 { color: red }")
    html = document("Brief").replace("</head>", f'<link rel="stylesheet" href="file://{secret}"></head>')
    html = html.replace("<h1>", '<img src="http://127.0.0.1:9/logo.png" alt="logo"><h1>')

    html_to_pdf(html)

    refused = [
        record.getMessage() for record in caplog.records if "disallowed protocol" in record.getMessage()
    ]
    assert len(refused) == 2
    assert "secret.css" in refused[0]
    assert "127.0.0.1:9" in refused[1]


def test_merge_keeps_every_page_in_order(tmp_path):
    letters = [html_to_pdf(document(f"Brief {number}", annex=f"Bijlage {number}")) for number in range(3)]
    target = tmp_path / "batch.pdf"

    with target.open("wb") as file:
        pages = merge_pdfs(letters, file)

    reader = PdfReader(target, strict=True)
    assert pages == 6
    assert [page.extract_text().splitlines()[0] for page in reader.pages] == [
        "Brief 0",
        "Bijlage 0",
        "Brief 1",
        "Bijlage 1",
        "Brief 2",
        "Bijlage 2",
    ]
    # poppler reads the merged file without complaint, the way the print room's tools will
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
    assert info.stderr == ""
    assert "Pages:           6" in info.stdout


def test_merge_reads_file_objects(tmp_path):
    source = tmp_path / "one.pdf"
    source.write_bytes(html_to_pdf(document("Enige brief")))
    target = io.BytesIO()

    with source.open("rb") as file:
        merge_pdfs([file], target)

    assert PdfReader(io.BytesIO(target.getvalue())).pages[0].extract_text().startswith("Enige brief")
