"""Content words: stop words dropped, endings cut lightly, markup ignored."""

from __future__ import annotations

import pytest

from app.bank.lint.words import content_words, stem, strong_words, visible_length, word_forms


@pytest.mark.parametrize(
    ("words", "common"),
    [
        (["negotiations", "negotiating", "negotiate", "negotiation"], "negotiat"),
        (["ceasefires", "ceasefire"], "ceasefir"),
        (["practices", "practicing", "practice"], "practic"),
        (["protecting", "protection", "protects"], "protect"),
        (["shared", "sharing", "share"], "shar"),
        (["militaries", "military"], "military"),
    ],
)
def test_word_forms_meet_on_one_stem(words, common):
    assert {stem(word) for word in words} == {common}


@pytest.mark.parametrize("word", ["crisis", "status", "process", "trust", "army", "bring"])
def test_short_words_and_latin_endings_are_left_alone(word):
    assert stem(word) == word


def test_content_words_drop_small_words_and_possessives_and_markup():
    assert content_words("According to the lesson, **the** partner's <b>customs</b> matter") == {
        "partner",
        "custom",
        "matter",
    }


def test_strong_words_include_overreaching_phrases():
    assert strong_words("They act on their own and always command") == [
        "always",
        "command",
        "on their own",
    ]
    assert strong_words("They advise the ambassador") == []


def test_visible_length_ignores_markup_and_runs_of_spaces():
    assert visible_length("**Joint**   exercises") == len("Joint exercises")


def test_evidence_shows_words_as_written():
    assert word_forms("Shared interests and sharing") == {"shar": "shared", "interest": "interests"}
