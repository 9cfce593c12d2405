from decimal import Decimal
from xml.etree import ElementTree

import pytest

from reporting.charts import Series, bar_chart, line_chart, nice_maximum

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (180, 200), (501, 1000)]
)
def test_nice_maximum_rounds_up_to_one_two_or_five(value, expected):
    assert nice_maximum(value) == expected


def test_bar_chart_draws_one_bar_per_value_with_its_label():
    svg = bar_chart(["Huur", "Energie", "Water"], [10, 5, 0], title="Meldingen per partner")

    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Meldingen per partner"
    assert root.find(f"{SVG}desc").text == "Huur: 10; Energie: 5; Water: 0"
    heights = [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")]
    assert heights == [170.0, 85.0, 0.0]  # the axis tops at 10: the full plot height is 170
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Huur" in texts
    assert "Energie" in texts


def test_line_chart_has_a_polyline_and_legend_entry_per_series():
    months = ["jan", "feb", "mrt"]
    svg = line_chart(
        months,
        [Series("Betaler", [1, 2, 4]), Series("Niet-betaler", [Decimal("0.5"), 0, 3])],
        title="Signalen",
    )

    root = ElementTree.fromstring(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert root.find(f"{SVG}desc").text == "Betaler: jan 1, feb 2, mrt 4; Niet-betaler: jan 0,5, feb 0, mrt 3"
    assert {"Betaler", "Niet-betaler"} <= {text.text for text in root.iter(f"{SVG}text")}


def test_labels_are_escaped():
    svg = bar_chart(["<script>"], [1], title="a & b")

    assert "<script>" not in svg
    ElementTree.fromstring(svg)


def test_series_length_must_match_labels():
    with pytest.raises(ValueError, match="has 1 values for 2 labels"):
        line_chart(["jan", "feb"], [Series("x", [1])], title="t")


@pytest.mark.parametrize(
    ("maximum", "ticks"), [(1, 1), (2, 2), (5, 5), (10, 5), (20, 4), (50, 5), (100, 5), (200, 4), (500, 5)]
)
def test_ticks_fall_on_whole_numbers(maximum, ticks):
    from reporting.charts import tick_count

    assert tick_count(maximum) == ticks
    assert all((maximum * tick / ticks).is_integer() for tick in range(ticks + 1))
