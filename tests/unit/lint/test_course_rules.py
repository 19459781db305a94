"""Questions against each other: one answering another, near-duplicate stems."""

from __future__ import annotations

from app.bank.lint import lint_course, lint_quiz
from app.bank.lint.course import key_echo, near_duplicate_stems
from tests.unit.lint.helpers import bank

AUTHORITY = """// [id:peace-02]
Under what authority does a peacekeeping mission operate?{
=A UN mandate or authorization from a regional organization
~A request from the stronger of the warring parties
~The decision of a single contributing nation
}"""
ASPECTS = """// [id:peace-06]
Match each aspect of peacekeeping to its description.{
=Mandate -> Authorization from the UN or a regional organization
=Neutrality -> Impartiality that earns the trust of all sides
=Civilian protection -> Shielding people from violence and abuses
= -> Command of the host nation's forces
}"""
UNRELATED = """// [id:hist-01]
Where did military envoys first appear?{
=In Mesopotamia and Egypt
~In Renaissance Italy
~In industrial Britain
}"""
CIVILIANS_TRUE = """// [id:peace-05]
Shielding civilians from violence and abuses is a core objective of peacekeeping.{T}"""


def test_a_matching_pair_that_prints_another_questions_key_is_flagged():
    findings = key_echo(bank(AUTHORITY + "\n\n" + ASPECTS))
    on_authority = [f for f in findings if f.question_id == "peace-02"]
    (found,) = on_authority
    assert found.rule == "key-echo"
    (source,) = found.evidence["sources"]
    assert source["question_id"] == "peace-06"
    assert source["text"] == "Mandate Authorization from the UN or a regional organization"
    assert source["answer"] == "A UN mandate or authorization from a regional organization"


def test_questions_about_different_facts_pass():
    assert key_echo(bank(AUTHORITY + "\n\n" + UNRELATED)) == []


def test_a_text_naming_the_key_and_a_distractor_alike_gives_nothing_away():
    both = """// [id:both]
Is authority a UN mandate or the decision of a single contributing nation?{=Yes ~No ~Maybe}"""
    assert [
        f for f in key_echo(bank(AUTHORITY + "\n\n" + both)) if f.question_id == "peace-02"
    ] == []


def test_a_true_statement_restated_by_another_question_is_flagged():
    findings = key_echo(bank(CIVILIANS_TRUE + "\n\n" + ASPECTS))
    (found,) = [f for f in findings if f.question_id == "peace-05"]
    assert "restates what this statement is about" in found.message
    assert found.evidence["sources"][0]["question_id"] == "peace-06"


def test_an_echo_from_another_quiz_is_reported_for_the_final_exam():
    findings = lint_course({"authority.gift": bank(AUTHORITY), "aspects.gift": bank(ASPECTS)})
    (found,) = [f for f in findings if f.rule == "key-echo-course" and f.question_id == "peace-02"]
    assert found.quiz == "authority.gift"
    assert found.evidence["sources"][0]["file"] == "aspects.gift"
    assert found.evidence["sources"][0]["same_quiz"] is False
    assert "final exam" in found.message
    assert not [f for f in findings if f.rule == "key-echo"]


def test_linting_one_quiz_alone_finds_echoes_inside_it():
    rules = {f.rule for f in lint_quiz(bank(AUTHORITY + "\n\n" + ASPECTS), "peace.gift")}
    assert "key-echo" in rules and "key-echo-course" not in rules


NEAR_A = """// [id:a]
What does a defense attaché report to the home government about the host nation?{=x ~y ~z}"""
NEAR_B = """// [id:b]
What does the defense attaché report to their home government about a host nation's army?
{=x ~y ~z}"""


def test_near_duplicate_stems_are_flagged_on_the_later_question():
    (found,) = near_duplicate_stems(bank(NEAR_A + "\n\n" + NEAR_B))
    assert found.question_id == "b"
    assert found.evidence["similar_to"] == "a"
    assert found.evidence["similarity"] >= 0.6
    assert "defense" in found.evidence["shared_words"]
    assert [q.id for q in found.subjects] == ["b", "a"]


def test_different_stems_pass():
    assert near_duplicate_stems(bank(NEAR_A + "\n\n" + UNRELATED)) == []


def test_near_duplicates_across_quizzes_name_the_other_file():
    findings = lint_course({"one.gift": bank(NEAR_A), "two.gift": bank(NEAR_B)})
    (found,) = [f for f in findings if f.rule == "near-duplicate-stem"]
    assert found.evidence["file"] == "one.gift"
    assert "in one.gift" in found.message


def test_cross_question_rules_compare_candidates_only(monkeypatch):
    """A course of many unrelated questions is not compared pair by pair."""
    from app.bank.lint import course

    calls = 0
    real = course._Index.sharing

    def counting(self, words, at_least):
        nonlocal calls
        found = real(self, words, at_least)
        calls += len(found)
        return found

    monkeypatch.setattr(course._Index, "sharing", counting)
    many = "\n\n".join(
        f"// [id:q{n}]\nWhat does word{n}a word{n}b do?{{=key{n}x key{n}y ~other{n}p ~other{n}q}}"
        for n in range(300)
    )
    assert lint_course({"big.gift": bank(many)}) is not None
    assert calls < 300 * 10  # each text meets only the texts sharing its rare words
