"""Each question rule, told with a flawed item and a clean one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.bank.lint import RULES
from app.bank.lint.findings import finding_on
from app.bank.lint.items import lint_question
from app.bank.model import SCORED_TYPES
from tests.unit.lint.helpers import finding, question, rules_on

LONG_KEY = """Where did military envoys first appear?{
=Between the royal courts of Mesopotamia and Egypt, carrying terms
~In Renaissance Italy
~In industrial Britain
~In ancient Greece
}"""
SHORT_KEY = """Where did military envoys first appear?{
=In Egypt
~Among the city states of Renaissance Italy
~Across the factories of industrial Britain
~Within the assemblies of ancient Greece
}"""
EVEN_LENGTHS = """Where did military envoys first appear?{
=In Mesopotamia and Egypt
~In Renaissance Italy
~In industrial Britain
~In classical Greece
}"""


def test_a_key_longest_by_a_clear_margin_is_flagged_with_the_lengths():
    found = finding(LONG_KEY, "key-length")
    assert found.evidence["which"] == "longest"
    assert found.evidence["key_length"] == 65
    assert found.evidence["options"][:2] == [
        {
            "text": "Between the royal courts of Mesopotamia and Egypt, carrying terms",
            "length": 65,
            "key": True,
        },
        {"text": "In Renaissance Italy", "length": 20, "key": False},
    ]
    assert "longest option by a clear margin (65 characters; the longest wrong answer has 21)" in (
        found.message
    )


def test_a_key_shortest_by_a_clear_margin_is_flagged():
    assert finding(SHORT_KEY, "key-length").evidence["which"] == "shortest"


def test_options_of_similar_length_pass_the_length_rule():
    assert "key-length" not in rules_on(EVEN_LENGTHS)


def test_a_key_repeating_stem_words_no_distractor_uses_is_flagged_with_the_words():
    found = finding(
        """What does a defense attaché mainly report on?{
        =Defense developments in the host nation
        ~Trade figures and tariffs
        ~Tourism and visitor numbers
        ~Weather and harvests
        }""",
        "stem-overlap",
    )
    assert found.evidence["keys"] == [
        {"text": "Defense developments in the host nation", "words": ["defense"]}
    ]


def test_stem_words_shared_by_a_distractor_too_are_no_giveaway():
    assert "stem-overlap" not in rules_on(
        """What does a defense attaché mainly report on?{
        =Defense developments in the host nation
        ~Defense budgets of distant allies
        ~Tourism and visitor numbers
        ~Weather and harvests
        }"""
    )


def test_a_key_sharing_the_most_words_with_the_other_options_is_flagged():
    found = finding(
        """Which activity builds trust between two navies?{
        =Joint naval exercises
        ~Joint air patrols
        ~Naval blockades
        ~Trade sanctions
        }""",
        "key-convergence",
    )
    assert [(o["text"], o["shared_words"], o["key"]) for o in found.evidence["options"]] == [
        ("Joint naval exercises", 2, True),
        ("Joint air patrols", 1, False),
        ("Naval blockades", 1, False),
        ("Trade sanctions", 0, False),
    ]


def test_options_sharing_no_more_words_with_the_key_than_with_each_other_pass():
    assert "key-convergence" not in rules_on(
        """Which activity builds trust between two navies?{
        =Joint naval exercises
        ~Joint air patrols
        ~Air blockades
        ~Trade sanctions
        }"""
    )


def test_absolute_words_only_in_distractors_are_flagged_with_the_words():
    found = finding(
        """What is an attaché's role in the host country?{
        =Advising the ambassador on defense matters
        ~Commanding the host nation's army
        ~Always deciding the host's foreign policy alone
        }""",
        "absolute-words",
    )
    assert found.evidence["options"] == [
        {"text": "Commanding the host nation's army", "words": ["commanding"]},
        {"text": "Always deciding the host's foreign policy alone", "words": ["always", "alone"]},
    ]


def test_absolute_words_in_the_key_as_well_pass():
    assert "absolute-words" not in rules_on(
        """What is an attaché's role in the host country?{
        =Always advising the ambassador on defense matters
        ~Commanding the host nation's army
        ~Deciding the host's foreign policy
        }"""
    )


def test_a_false_statement_hinging_on_a_sweeping_word_is_flagged():
    found = finding("Attachés are purely ceremonial figures.{F}", "absolute-words")
    assert found.evidence["words"] == ["purely"]


def test_a_false_statement_false_in_substance_passes_and_true_sweeping_ones_too():
    assert "absolute-words" not in rules_on("Attachés sign treaties for the host nation.{F}")
    assert "absolute-words" not in rules_on("Every embassy has a head of mission.{T}")


@pytest.mark.parametrize("option", ["All of the above", "none of the above", "All the above"])
def test_all_or_none_of_the_above_is_flagged(option):
    found = finding(
        f"Which helps trust?{{=Dialogue ~Secrecy ~Threats ~{option}}}", "all-none-above"
    )
    assert found.evidence["options"] == [option]


def test_real_options_pass_the_above_rule():
    assert "all-none-above" not in rules_on("Which helps trust?{=Dialogue ~Secrecy ~Threats}")


def test_fewer_than_three_options_is_flagged():
    found = finding("Which helps trust?{=Dialogue ~Secrecy}", "few-options")
    assert found.evidence["options"] == 2
    assert "a blind guess scores 50%" in found.message
    assert "few-options" not in rules_on("Which helps trust?{=Dialogue ~Secrecy ~Threats}")


def test_multiple_response_keys_that_are_exactly_the_shortest_options_are_flagged():
    found = finding(
        """Which two build trust?{
        ~%50%Dialogue
        ~%50%Openness
        ~%-50%Keeping one's intentions hidden from partners
        ~%-50%Expecting partners to adopt one's own customs
        }""",
        "multi-keys-length",
    )
    assert found.evidence["which"] == "shortest"
    assert found.evidence["options"][0] == {"text": "Dialogue", "length": 8, "key": True}


def test_multiple_response_keys_of_mixed_lengths_pass():
    assert "multi-keys-length" not in rules_on(
        """Which two build trust?{
        ~%50%Dialogue
        ~%50%Being open about one's aims and interests
        ~%-50%Secrecy
        ~%-50%Expecting partners to adopt one's own customs
        }"""
    )


def test_matching_without_a_spare_answer_is_flagged():
    found = finding(
        """Match each aspect to its meaning.{
        =Mandate -> Authorization from the UN
        =Neutrality -> Impartiality toward the parties
        =Protection -> Shielding people from violence
        }""",
        "matching-no-spare",
    )
    assert found.evidence == {"rows": 3, "answers": 3}


def test_matching_with_a_spare_answer_passes():
    assert "matching-no-spare" not in rules_on(
        """Match each aspect to its meaning.{
        =Mandate -> Authorization from the UN
        =Neutrality -> Impartiality toward the parties
        = -> Command of the host nation's forces
        =Protection -> Shielding people from violence
        }"""
    )


def test_a_matching_row_sharing_words_with_its_own_answer_is_flagged():
    found = finding(
        """Match each task to what it involves.{
        =Crisis management -> Handling a crisis quickly once it breaks out
        =De-escalation -> Calming tensions that already exist
        = -> Signing treaties
        }""",
        "matching-shared-words",
    )
    assert found.evidence["pairs"] == [
        {
            "left": "Crisis management",
            "right": "Handling a crisis quickly once it breaks out",
            "words": ["crisis"],
        }
    ]


def test_matching_rows_worded_apart_from_their_answers_pass():
    assert "matching-shared-words" not in rules_on(
        """Match each task to what it involves.{
        =Crisis management -> Responding fast once trouble breaks out
        =De-escalation -> Calming tensions that already exist
        = -> Signing treaties
        }"""
    )


@pytest.mark.parametrize(
    ("stem", "phrase"),
    [
        ("According to the lesson, who sends envoys?", "the lesson"),
        ("In the lesson's example, who sends envoys?", "the lesson"),
        ("What does this module say envoys carry?", "this module"),
    ],
)
def test_a_stem_pointing_at_the_lesson_is_flagged(stem, phrase):
    found = finding(f"{stem}{{=States ~Banks ~Shops}}", "stem-says-lesson")
    assert found.evidence["phrases"] == [phrase]


def test_a_stem_standing_on_its_own_passes():
    assert "stem-says-lesson" not in rules_on(
        "In military diplomacy, who sends envoys?{=States ~Banks ~Shops}"
    )


def test_every_rule_has_an_id_a_scope_and_a_plain_summary():
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.scope in ("question", "quiz", "course")
        assert rule.summary.endswith(".")


def test_each_type_carries_its_own_rules_on_its_registry_entry():
    from app.bank.lint import choices, items
    from app.bank.types import TYPES

    assert choices.key_length in TYPES["single"].lint_rules
    assert choices.multi_keys_length in TYPES["multi"].lint_rules
    assert items.matching_no_spare in TYPES["matching"].lint_rules
    assert TYPES["description"].lint_rules == ()
    assert TYPES["essay"].lint_rules == ()
    assert all(items.stem_says_lesson in TYPES[t].lint_rules for t in SCORED_TYPES)


def test_a_rule_on_a_registry_entry_is_what_lint_question_runs(monkeypatch):
    from app.bank.types import TYPES

    def always(question):
        return [finding_on(question, "key-length", "flagged by the registry's rule")]

    monkeypatch.setitem(TYPES, "short", replace(TYPES["short"], lint_rules=(always,)))
    found = lint_question(question("What is it?{=envoy}"))
    assert [f.message for f in found] == ["flagged by the registry's rule"]


def test_a_question_with_errors_is_not_linted():
    from app.bank.gift import parse_gift

    (broken,) = parse_gift("According to the lesson, what?{=a ~%abc%b}")
    assert broken.errors
    assert lint_question(broken) == []


def test_a_well_written_question_passes_every_rule():
    assert rules_on(EVEN_LENGTHS) == []
    assert question(EVEN_LENGTHS).type == "single"
