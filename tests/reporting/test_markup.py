import pytest

from reporting import markup
from reporting.letter_defaults import DEFAULT_LETTERS


def test_markup_renders_headings_bullets_next_step_and_values():
    html = markup.to_html(
        "Beste {{ naam }},\n\n## Wat nu\n- Bel **ons**\n- Mail ons\n\n> Bel voor {{ reageer_voor }}.",
        {"naam": "J. de Vries", "reageer_voor": "7 december 2026"},
    )

    assert html == (
        '<p>Beste <span class="value">J. de Vries</span>,</p>\n'
        "<h2>Wat nu</h2>\n"
        "<ul><li>Bel <strong>ons</strong></li><li>Mail ons</li></ul>\n"
        '<div class="next-step"><p>Bel voor <span class="value">7 december 2026</span>.</p></div>'
    )


def test_text_and_values_are_escaped():
    html = markup.to_html("<b>{{ naam }}</b>", {"naam": "<script>alert(1)</script>"})

    assert (
        html == '<p>&lt;b&gt;<span class="value">&lt;script&gt;alert(1)&lt;/script&gt;</span>&lt;/b&gt;</p>'
    )


def test_missing_value_stays_visible():
    assert markup.to_html("Beste {{ naam }}", {}) == '<p>Beste <span class="missing">{{ naam }}</span></p>'


def test_block_placeholder_takes_trusted_html_on_its_own_line():
    html = markup.to_html("Zie:\n{{ berekening }}\nDank.", {}, {"berekening": "<table></table>"})

    assert html == "<p>Zie:</p>\n<table></table>\n<p>Dank.</p>"


def test_unknown_placeholders_are_listed_once():
    assert markup.unknown_placeholders("{{ naam }} {{ foo }} {{foo}} {{ bar }}") == ["foo", "bar"]


def test_fill_replaces_known_values_in_a_subject():
    assert markup.fill("U betaalt {{ nieuwe_termijn }}", {"nieuwe_termijn": "€ 85,00"}) == "U betaalt € 85,00"


@pytest.mark.parametrize("letter", DEFAULT_LETTERS, ids=lambda letter: letter.kind)
def test_default_letters_use_only_known_placeholders_and_have_one_next_step(letter):
    assert markup.unknown_placeholders(letter.subject + letter.body + letter.annex) == []
    assert markup.to_html(letter.body, {}).count('class="next-step"') == 1


def test_default_letters_cover_every_kind_of_the_spec():
    assert [letter.kind for letter in DEFAULT_LETTERS] == [
        "arrears_outreach",
        "visit_announcement",
        "not_at_home",
        "instalment_review",
        "arrangement_offer",
        "vow_found",
        "bvv_notice",
    ]


def test_bvv_notice_states_the_data_the_calculation_and_four_weeks_to_report_changes_issue_9():
    letter = next(letter for letter in DEFAULT_LETTERS if letter.kind == "bvv_notice")

    assert {"beslagvrije_voet", "berekening", "inkomen"} <= set(markup.placeholders_in(letter.body))
    assert "binnen 4 weken" in letter.body
    assert "artikel 475i" in letter.annex


def test_instalment_review_states_bvv_proposal_calculation_and_objection():
    letter = next(letter for letter in DEFAULT_LETTERS if letter.kind == "instalment_review")

    assert {"nieuwe_termijn", "beslagvrije_voet", "berekening", "inkomen"} <= set(
        markup.placeholders_in(letter.body)
    )
    assert "bezwaar" in letter.annex
