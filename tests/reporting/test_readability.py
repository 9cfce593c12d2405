import pytest

from reporting import readability
from reporting.letter_defaults import DEFAULT_LETTERS


def test_short_plain_text_reads_at_b1():
    result = readability.score("Wij kregen een melding. U heeft een achterstand. Wij helpen u graag.")

    assert result.sentences == 3
    assert result.words == 12
    assert result.average_sentence_length == 4.0
    assert result.is_b1


def test_long_official_sentence_is_flagged():
    text = (
        "Overeenkomstig de bepalingen van de Wet gemeentelijke schuldhulpverlening informeren wij u hierbij "
        "dat uw verhuurder ons een betalingsachterstand heeft gemeld, waarna wij genoodzaakt zijn contact "
        "met u op te nemen teneinde de mogelijkheden van ondersteuning te inventariseren."
    )

    result = readability.score(text)

    assert result.is_score_low
    assert result.is_average_long
    assert result.long_sentences == [text]
    assert not result.is_b1


def test_headings_and_bullets_count_as_sentences():
    assert readability.plain_text("## Wat nu\n- Bel ons\n- Mail {{ naam }}?\n**Let op.**") == (
        "Wat nu.\nBel ons.\nMail X?\nLet op."
    )


def test_empty_text_is_not_b1():
    result = readability.score("   ")

    assert result.words == 0
    assert not result.is_b1


@pytest.mark.parametrize("letter", DEFAULT_LETTERS, ids=lambda letter: letter.kind)
def test_every_default_letter_reads_at_b1(letter):
    assert readability.score(letter.body).is_b1
    assert readability.score(letter.annex).is_b1
