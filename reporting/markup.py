"""The small text markup administrators write letters in, and its placeholders.

Letters are edited in the browser, so their text is never a Django template (that would let an
administrator reach any attribute of the context). The markup is deliberately tiny:

    ## Heading            a heading
    - item                a bullet
    > text                the highlighted next step (one per letter)
    **bold**              bold
    {{ naam }}            a placeholder from PLACEHOLDERS
    (blank line)          a new paragraph

Everything is escaped; only this module produces the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "naam": _("name of the person, e.g. J. de Vries"),
    "gemeente": _("name of the municipality"),
    "datum": _("date of the letter"),
    "kenmerk": _("our reference"),
    "consulent": _("name of the consultant"),
    "telefoon": _("phone number of the consultant or municipality"),
    "email": _("e-mail address of the consultant or municipality"),
    "website": _("website of the municipality"),
    "schuldhulp": _("the municipality's debt help: name and phone number"),
    "reageer_voor": _("date to respond by (two weeks after the letter)"),
    "partner": _("who reported the arrears, e.g. 'uw energieleverancier'"),
    "achterstand": _("amount of the arrears"),
    "bezoekdatum": _("date of the house visit"),
    "bezoektijd": _("time of the house visit"),
    "vordering": _("outstanding claim of the municipality"),
    "termijn": _("current monthly instalment"),
    "nieuwe_termijn": _("proposed monthly instalment"),
    "ingangsdatum": _("date the proposed instalment starts"),
    "inkomen": _("monthly income"),
    "beslagvrije_voet": _("beslagvrije voet (BVV) per month"),
    "aflossingsruimte": _("repayment capacity per month"),
}
# Placeholders that stand for a whole block of HTML (a table), alone on their line.
BLOCK_PLACEHOLDERS = {
    "berekening": _("the calculation: income, BVV, capacity and proposed instalment (a table)"),
}

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def placeholders_in(markup: str) -> list[str]:
    """Return the placeholder names a text uses, in order of first use."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(markup)))


def unknown_placeholders(markup: str) -> list[str]:
    known = PLACEHOLDERS.keys() | BLOCK_PLACEHOLDERS.keys()
    return [name for name in placeholders_in(markup) if name not in known]


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace placeholders in plain text (a subject line); unknown or missing ones stay visible."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


def _inline(text: str, values: Mapping[str, str]) -> str:
    parts = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(escape(text[position : match.start()]))
        name = match[1]
        if name in values:
            parts.append(f'<span class="value">{escape(values[name])}</span>')
        else:
            parts.append(f'<span class="missing">{escape(match[0])}</span>')
        position = match.end()
    parts.append(escape(text[position:]))
    return _BOLD.sub(r"<strong>\1</strong>", "".join(parts))


def to_html(markup: str, values: Mapping[str, str], blocks: Mapping[str, str] | None = None) -> str:
    """Render the markup to HTML; `blocks` holds trusted HTML for the block placeholders."""
    blocks = blocks or {}
    html: list[str] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if bullets:
            html.append("<ul>" + "".join(f"<li>{item}</li>" for item in bullets) + "</ul>")
            bullets.clear()

    for raw_line in markup.replace("\r\n", "\n").split("\n"):
        line = raw_line.strip()
        block = _PLACEHOLDER.fullmatch(line)
        if not line:
            flush()
        elif block and block[1] in BLOCK_PLACEHOLDERS:
            flush()
            html.append(blocks.get(block[1], f'<p class="missing">{escape(line)}</p>'))
        elif line.startswith("#"):
            flush()
            html.append(f"<h2>{_inline(line.lstrip('#').strip(), values)}</h2>")
        elif line.startswith("- "):
            if paragraph:
                flush()
            bullets.append(_inline(line[2:], values))
        elif line.startswith(">"):
            flush()
            html.append(f'<div class="next-step"><p>{_inline(line[1:].strip(), values)}</p></div>')
        else:
            if bullets:
                flush()
            paragraph.append(_inline(line, values))
    flush()
    return "\n".join(html)
