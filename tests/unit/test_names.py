"""The display-name rule: any script, trimmed and NFC-normalised, no invisible controls."""

from __future__ import annotations

import unicodedata

import pytest

from app.auth.services import (
    MAX_NAME_LENGTH,
    clean_name,
    name_from_email,
    name_key,
    name_problem,
)


@pytest.mark.parametrize(
    "name",
    [
        "Ada",
        "  Ada Lovelace  ",
        "Zoë",
        "Ζωή",
        "Алёна",
        "李雷",
        "محمد",
        "अनु",
        "O'Brien-Smith",
        "x" * 80,
    ],
)
def test_names_in_any_script_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter your name"),
        ("   ", "Enter your name"),
        (None, "Enter your name"),
        ("x" * 81, "at most 80"),
        ("Eve\u202egnp.exe", "U+202E"),  # right-to-left override
        ("Eve\u200bAdams", "U+200B"),  # zero-width space (Cf)
        ("Eve\u2066x", "U+2066"),  # left-to-right isolate
        ("Eve\tAdams", "U+0009"),
        ("Eve\nAdams", "U+000A"),
        ("Eve\x7fAdams", "U+007F"),
        ("Eve\u2028Adams", "U+2028"),
    ],
)
def test_empty_long_and_invisible_control_names_are_refused_with_the_reason(name, message):
    problem = name_problem(name)
    assert problem is not None and message in problem


def test_the_length_counts_characters_after_normalising():
    decomposed = "e\u0301" * MAX_NAME_LENGTH  # 160 code points, 80 characters once composed
    assert name_problem(decomposed) is None
    assert clean_name(decomposed) == "\u00e9" * MAX_NAME_LENGTH


def test_a_name_is_stored_nfc_and_trimmed():
    assert clean_name("  Zoe\u0308 ") == "Zo\u00eb"
    assert unicodedata.is_normalized("NFC", clean_name("Zoe\u0308"))


def test_the_sort_key_folds_case_and_normalisation_together():
    assert name_key("Straße") == name_key("STRASSE") == "strasse"
    assert name_key("Zoe\u0308") == name_key("ZOË")
    assert name_key("  ada ") == "ada"


def test_a_stand_in_name_is_the_email_local_part_within_the_rule():
    assert name_from_email("Ada.Lovelace@Example.com") == "ada.lovelace"
    assert name_problem(name_from_email(("x" * 100) + "@example.com")) is None
    assert name_from_email("@example.com") == "Learner"
