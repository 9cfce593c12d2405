"""Readability of Dutch letter texts: Flesch-Douma plus the B1 rules a writer can act on.

Flesch-Douma (Douma 1960, the Dutch adaptation of Flesch Reading Ease):
    206.835 - 0.93 * words per sentence - 77 * syllables per word
with syllables counted by textstat in Dutch (pyphen's nl_NL hyphenation). A score is only a hint;
B1 writing guides add short sentences, so we warn on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# Flesch-Douma bands: 60-70 "normal" (about B1), 70+ "fairly easy". Below 60 reads above B1.
B1_MINIMUM_SCORE = 60.0
# B1 guides (e.g. Direct Duidelijk) advise at most 15 words per sentence on average ...
B1_MAXIMUM_AVERAGE_SENTENCE = 15.0
# ... and no single sentence past 25 words.
B1_MAXIMUM_SENTENCE = 25

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n{2,}")
_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9€][\w'\u2019€.,-]*")
_PLACEHOLDER = re.compile(r"\{\{\s*\w+\s*\}\}")


@dataclass(frozen=True)
class Readability:
    """The figures behind a B1 verdict; templates word the warnings (translated there)."""

    score: float
    words: int
    sentences: int
    average_sentence_length: float
    long_sentences: list[str] = field(default_factory=list)

    @property
    def is_score_low(self) -> bool:
        return self.score < B1_MINIMUM_SCORE

    @property
    def is_average_long(self) -> bool:
        return self.average_sentence_length > B1_MAXIMUM_AVERAGE_SENTENCE

    @property
    def is_b1(self) -> bool:
        return self.words > 0 and not (self.is_score_low or self.is_average_long or self.long_sentences)


@cache
def _dutch() -> Any:
    from textstat.textstat import textstatistics

    statistics = textstatistics()
    statistics.set_lang("nl")
    return statistics


def plain_text(markup: str) -> str:
    """Strip the letter markup (headings, bullets, bold, placeholders) to the text a reader sees."""
    text = _PLACEHOLDER.sub("X", markup)
    # A heading or bullet is a sentence of its own, even without a full stop.
    text = re.sub(r"^(?:#+|-)\s*(.*?)([.!?:]?)\s*$", lambda m: m[1] + (m[2] or "."), text, flags=re.MULTILINE)
    return text.replace("**", "")


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and _WORD.search(part)]


def score(markup: str) -> Readability:
    """Score a Dutch text and list what keeps it from reading at B1."""
    text = plain_text(markup)
    found = sentences(text)
    words = sum(len(_WORD.findall(sentence)) for sentence in found)
    if not words:
        return Readability(score=0.0, words=0, sentences=0, average_sentence_length=0.0)
    average = words / len(found)
    syllables = sum(_dutch().syllable_count(word) for sentence in found for word in _WORD.findall(sentence))
    # Our own sentence split (bullets and paragraphs end a sentence too), textstat's Dutch syllables.
    flesch_douma = round(206.835 - 0.93 * average - 77 * syllables / words, 1)
    long_sentences = [s for s in found if len(_WORD.findall(s)) > B1_MAXIMUM_SENTENCE]
    return Readability(
        score=flesch_douma,
        words=words,
        sentences=len(found),
        average_sentence_length=round(average, 1),
        long_sentences=long_sentences,
    )
