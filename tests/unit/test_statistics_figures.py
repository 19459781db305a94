"""The statistics page's figures from streamed rows, its exports, and the demo's simulation."""

from __future__ import annotations

import csv
import io
import math
import random

import pytest

from app.bank.model import Choice, QuestionData
from app.bank.types import grade
from app.demo import simulation as sim
from app.instructor.statistics import (
    ResponseRow,
    VersionInfo,
    analyse,
    flags_by_uid,
    histogram,
    histogram_bars,
    parse_set,
    picked,
)
from app.instructor.statistics_export import csv_chunks, json_text

SINGLE = VersionInfo(
    1, 10, "q-single", 1, 1, "single", "Pick one", 1.0,
    (("A", "Right"), ("B", "Wrong"), ("C", "Also wrong")), frozenset({"A"}),
)  # fmt: skip
TRUEFALSE = VersionInfo(
    2, 20, "q-tf", 2, 1, "truefalse", "", 1.0, (("True", "True"), ("False", "False")),
    frozenset({"True"}),
)  # fmt: skip
VERSIONS = {1: SINGLE, 2: TRUEFALSE}


def _rows(*attempts: tuple[int, int]) -> list[ResponseRow]:
    """Attempts as (single choice picked index, true/false answered true 1/0)."""
    rows = []
    for number, (choice, true) in enumerate(attempts, start=1):
        rows.append(ResponseRow(number, False, 1, 1.0 if choice == 0 else 0.0, choice))
        rows.append(ResponseRow(number, False, 2, float(true), bool(true)))
    return rows


def test_four_attempts_by_hand():
    figures = analyse(_rows((0, 1), (0, 0), (1, 1), (2, 0)), VERSIONS, "first")
    quiz = figures["quiz"]
    assert quiz["attempts"] == 4 and quiz["common_items"] == 2
    assert quiz["mean"] == pytest.approx(50.0) and quiz["median"] == pytest.approx(50.0)
    assert quiz["sd"] == pytest.approx(math.sqrt(5000 / 3))  # 100, 50, 50, 0
    single = figures["questions"][0]["versions"][0]
    assert (single["responses"], single["facility"]) == (4, 0.5)
    options = {o["label"]: o for o in single["options"]}
    assert options["A"]["key"] and options["A"]["everyone"] == 0.5
    assert options["B"]["everyone"] == 0.25 and options["C"]["everyone"] == 0.25
    # Thirds by total (one attempt each): the top (100%) picked A, the bottom (0%) picked C.
    assert options["A"]["top"] == 1.0 and options["C"]["bottom"] == 1.0
    assert figures["population"] == "real"
    bins = {b["low"]: b["count"] for b in figures["histogram"]}
    assert bins[0.0] == 1 and bins[50.0] == 2 and bins[90.0] == 1


def test_flags_need_twenty_responses_and_only_first_attempts_store_them():
    everyone_right = [(0, 1)] * 19
    assert not analyse(_rows(*everyone_right), VERSIONS, "first")["questions"][0]["versions"][0][
        "flags"
    ]
    twenty = analyse(_rows(*[(0, 1)] * 20), VERSIONS, "first")
    found = twenty["questions"][0]["versions"][0]["flags"]
    assert any(text.startswith("Too easy") for text in found)
    assert any("Distractor B is almost never picked" in text for text in found)
    assert flags_by_uid(twenty)["q-single"][0].startswith("Version 1: ")
    assert not analyse(_rows(*[(0, 1)] * 20), VERSIONS, "all")["questions"][0]["versions"][0][
        "flags"
    ]


def test_versions_of_one_question_are_merged_for_alpha_and_summed_per_question():
    second = VersionInfo(3, 10, "q-single", 1, 2, "single", "Pick one", 1.0,
                         SINGLE.options, frozenset({"A"}))  # fmt: skip
    versions = {**VERSIONS, 3: second}
    rows = _rows((0, 1), (1, 0))
    rows += [ResponseRow(3, False, 3, 1.0, 0), ResponseRow(3, False, 2, 1.0, True)]
    figures = analyse(rows, versions, "first")
    question = figures["questions"][0]
    assert [v["number"] for v in question["versions"]] == [1, 2]
    assert question["responses"] == 3  # over both versions
    assert figures["quiz"]["common_items"] == 2  # the versions count as one question


def test_no_attempts_and_demo_only_populations():
    assert analyse([], VERSIONS, "first")["population"] == "none"
    rows = [ResponseRow(1, True, 1, 1.0, 0)]
    assert analyse(rows, VERSIONS, "first")["population"] == "demo"


def test_picked_reads_stored_answers_and_ignores_nonsense():
    assert picked(SINGLE, 1) == {"B"} and picked(SINGLE, 7) == frozenset()
    assert picked(SINGLE, True) == frozenset()  # a bool is not an index
    assert picked(TRUEFALSE, False) == {"False"} and picked(TRUEFALSE, None) == frozenset()


def test_histogram_puts_100_in_the_last_bin_and_bars_scale_to_the_tallest():
    bins = histogram([0, 9.99, 10, 100])
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    bars = histogram_bars(bins, width=400, height=100)
    assert bars[0]["height"] == 100 and bars[1]["height"] == 50 and bars[2]["height"] == 0
    assert parse_set("highest") == "highest" and parse_set("<script>") == "first"


def test_the_csv_has_a_bom_crlf_and_neutralises_formulas():
    evil = VersionInfo(1, 10, "=HYPERLINK(\"x\")", 1, 1, "single", "+SUM(A1)", 1.0,
                       (("A", "-1"), ("B", "@cmd")), frozenset({"A"}))  # fmt: skip
    figures = analyse([ResponseRow(1, False, 1, 1.0, 0)], {1: evil}, "first")
    text = "".join(csv_chunks(figures))
    assert text.startswith("\ufeffRow,") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    version = next(r for r in rows if r[0] == "version")
    assert version[1] == '\'=HYPERLINK("x")' and version[2] == "'+SUM(A1)"
    options = [r[5] for r in rows if r[0] == "option"]
    assert options == ["A. -1", "B. @cmd"]  # starts with a letter: already safe
    assert '"lesson": "l"' in json_text("l", figures)


def test_the_item_response_model_prefers_able_learners_and_is_seeded():
    assert sim.p_right(2.0, "hard") > sim.p_right(0.0, "hard") > sim.p_right(-2.0, "hard")
    assert sim.p_right(0.0, "easy") > sim.p_right(0.0, "medium") > sim.p_right(0.0, "hard")
    first = sim.learners(5, random.Random(7), "demo.invalid")
    assert first == sim.learners(5, random.Random(7), "demo.invalid")
    assert first[0].email == "demo-learner-00001@demo.invalid"


def test_simulated_answers_grade_right_or_wrong_with_the_real_graders():
    question = QuestionData(
        type="single", prompt="?",
        choices=[Choice("no", 0.0), Choice("yes", 1.0), Choice("never", 0.0)],
    )  # fmt: skip
    rng = random.Random(1)
    assert grade(question, sim.stored_answer(question, True, rng)).fraction == 1.0
    assert grade(question, sim.stored_answer(question, False, rng)).fraction == 0.0
    assert sim.stored_answer(question, False, rng, lure=True) == 0  # the first distractor
    strong = [sim.answers_right(2.0, None, sim.WRONG_KEY, rng) for _ in range(200)]
    weak = [sim.answers_right(-2.0, None, sim.WRONG_KEY, rng) for _ in range(200)]
    assert sum(strong) < sum(weak)  # strong learners fall for the distractor
    assert all(sim.answers_right(-3.0, "hard", sim.GIVEAWAY, rng) for _ in range(20))


def test_matching_rows_are_counted_answer_by_answer_and_never_flagged_as_distractors():
    from app.bank.model import MatchPair
    from app.instructor.statistics_reads import _info

    class Version:  # what `_info` reads of a stored version
        id, question_id, number, type, title, points = 7, 70, 1, "matching", "Pairs", 1.0

        def to_data(self) -> QuestionData:
            return QuestionData(
                type="matching",
                prompt="Match them.",
                pairs=[
                    MatchPair("Envoy", "Carries messages"),
                    MatchPair("Attaché", "Advises on defence"),
                    MatchPair("", "Collects taxes"),  # a spare answer, no row of its own
                ],
            )

    info = _info(Version(), "q-match", 3)
    assert [label for label, _ in info.options] == ["1→A", "1→B", "1→C", "2→A", "2→B", "2→C"]
    assert info.keys == {"1→A", "2→B"}
    assert dict(info.options)["2→C"] == "Attaché → Collects taxes"
    # Three attempts: both right; rows swapped; the first row right, the second on the spare.
    rows = [
        ResponseRow(1, False, 7, 1.0, [0, 1]),
        ResponseRow(2, False, 7, 0.0, [1, 0]),
        ResponseRow(3, False, 7, 0.5, [0, 2]),
    ]
    assert picked(info, [0, 2]) == {"1→A", "2→C"}
    assert picked(info, "nonsense") == frozenset()
    figures = analyse(rows * 10, {7: info}, "first")  # 30 responses: enough for flags
    (version,) = figures["questions"][0]["versions"]
    everyone = {option["label"]: option["everyone"] for option in version["options"]}
    assert everyone["1→A"] == pytest.approx(2 / 3) and everyone["2→C"] == pytest.approx(1 / 3)
    assert everyone["1→C"] == 0.0
    assert not any("Distractor" in flag or "distractor" in flag for flag in version["flags"])
