"""The course content checks: structure, question quality rules, and our own words.

Pure checks over the files in questions/ (no database); the load test lives in
tests/integration/test_real_course.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest

from app.bank.model import SCORED_TYPES
from app.config import PROJECT_ROOT
from app.course.files import CourseSource, read_course
from app.rendering import render_markdown

COURSE_DIR = PROJECT_ROOT / "questions"
SOURCE = PROJECT_ROOT.parent / "shared" / "seed" / "000_fa8a29c641b5a2dc.txt"
RUN = 10  # words in a row shared with the source that count as copying

# The source's headings, in order, and the lesson that teaches each.
SECTIONS = [
    ("Understanding Military Diplomacy in Diplomatic Channels", "understanding-military-diplomacy"),
    ("Historical Evolution of Military Diplomacy", "historical-evolution"),
    ("Key Strategies in Military Diplomacy", "key-strategies"),
    ("Role of Military Attachés in Diplomatic Missions", "military-attaches"),
    ("Functions and Responsibilities", "attache-functions"),
    ("Building Cross-Cultural Relationships", "cross-cultural-relationships"),
    ("Utilizing Defense Diplomacy for Conflict Resolution",
     "defense-diplomacy-conflict-resolution"),
    ("Impact of Technology on Military Diplomacy", "impact-of-technology"),
    ("Challenges and Limitations in Military Diplomacy", "challenges-and-limitations"),
    ("Balancing National Interests and Diplomatic Relations", "national-interests-and-relations"),
    ("Legal and Ethical Considerations", "legal-and-ethical"),
    ("Case Studies in Successful Military Diplomacy", "case-studies"),
    ("Peacekeeping Missions", "peacekeeping-missions"),
    ("Multinational Military Coalitions", "multinational-coalitions"),
    ("Future Trends and Innovations in Military Diplomacy", "future-trends"),
    ("Enhancing Diplomatic Channels through Military Cooperation",
     "enhancing-channels-through-cooperation"),
]  # fmt: skip
FINAL_EXAM = "course-review"
OBJECTIVE_VERBS = {
    "analyse", "analyze", "apply", "assess", "compare", "contrast", "define", "describe",
    "distinguish", "evaluate", "explain", "identify", "illustrate", "list", "name", "outline",
    "recall", "recognise", "recognize", "relate", "summarise", "summarize", "trace", "weigh",
    "interpret", "classify", "connect", "discuss", "examine", "judge", "match", "predict",
    "review", "state", "understand", "appreciate", "consider", "differentiate",
}  # fmt: skip


@pytest.fixture(scope="module")
def course() -> CourseSource:
    return read_course(COURSE_DIR)


@pytest.fixture(scope="module")
def lessons(course: CourseSource) -> dict:
    return {lesson.slug: lesson for module in course.modules for lesson in module.lessons}


@pytest.fixture(scope="module")
def source_text() -> str:
    if not SOURCE.exists():
        pytest.skip(f"the course source is not beside the repo ({SOURCE})")
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("See also"))


RECAP_START = "Military diplomacy plays a pivotal role"


def _section_words(source: str) -> dict[str, int]:
    """Count the words of each source section (from its heading to the next heading).

    The opening paragraphs belong to the first lesson; the closing recap (after
    the last section) to the course review.
    """
    headings = [title for title, _ in SECTIONS]
    counts: dict[str, int] = {headings[0]: 0, FINAL_EXAM: 0}
    current = headings[0]
    for number, line in enumerate(source.splitlines()):
        if number == 0:
            continue  # the document's title
        if line.strip() in headings:
            current = line.strip()
            counts.setdefault(current, 0)
        elif line.startswith(RECAP_START):
            current = FINAL_EXAM
            counts[current] += len(line.split())
        else:
            counts[current] += len(line.split())
    return counts


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def _learner_text(lesson) -> list[tuple[str, str]]:
    """Every piece of text a learner sees for a lesson, labelled, one piece per field.

    Each field is checked on its own: a learner reads a prompt and an option as two
    texts, so a run of words that only exists across their seam is not a copy.
    """
    texts = [("title", lesson.title), ("body", lesson.body_md), ("summary", lesson.summary)]
    texts += [("objective", o) for o in lesson.objectives]
    texts += [("term", text) for t in lesson.key_terms for text in (t["term"], t["definition"])]
    for q in lesson.questions:
        label = f"question {q.id}"
        parts = [q.title, q.prompt, q.general_feedback, q.feedback_true, q.feedback_false]
        parts += [text for c in q.choices for text in (c.text, c.feedback)]
        parts += [text for p in q.pairs for text in (p.left, p.right)]
        parts += [a.feedback for a in q.numeric_answers]
        texts += [(label, part) for part in parts if part]
    return texts


def test_every_source_heading_has_its_lesson_in_order(course, lessons):
    order = [lesson.slug for module in course.modules for lesson in module.lessons]
    assert order == [slug for _, slug in SECTIONS] + [FINAL_EXAM]
    module_titles = [m.title for m in course.modules]
    for heading, slug in SECTIONS:
        assert (
            heading in module_titles
            or lessons[slug].title.startswith(heading.split(" in ")[0][:20])
            or heading in [lessons[slug].title]
        ), (heading, slug)


def test_every_lesson_but_the_final_exam_has_its_own_quiz(lessons):
    for _, slug in SECTIONS:
        assert lessons[slug].gift_path is not None, slug
    final = lessons[FINAL_EXAM]
    assert final.gift_path is None and not final.questions
    assert final.quiz_settings.get("final_exam") is True and final.quiz_settings.get("draw") == 20


def test_every_lesson_has_objectives_anchored_paragraphs_terms_and_a_summary(lessons):
    for slug, lesson in lessons.items():
        assert 2 <= len(lesson.objectives) <= 4, slug
        for objective in lesson.objectives:
            assert objective.split()[0].lower() in OBJECTIVE_VERBS, (slug, objective)
        assert lesson.key_terms, slug
        assert lesson.summary, slug
        blocks = [b for b in re.split(r"\n\s*\n", lesson.body_md.strip()) if b.strip()]
        for block in blocks:
            first = block.strip().splitlines()[0]
            assert first.startswith("{#") or first.startswith("#"), (slug, block[:60])


def test_every_question_has_an_anchor_that_exists_in_the_rendered_lesson(lessons):
    for slug, lesson in lessons.items():
        html = str(render_markdown(lesson.body_md))
        for q in lesson.questions:
            assert q.anchor, (slug, q.id)
            assert f'id="p-{q.anchor}"' in html, (slug, q.id, q.anchor)


def test_every_question_is_well_formed(lessons):
    for slug, lesson in lessons.items():
        for q in lesson.questions:
            assert not q.errors and not q.warnings, (slug, q.id, q.errors, q.warnings)
            assert q.id and q.difficulty in ("easy", "medium", "hard"), (slug, q.id)
            assert q.general_feedback or q.feedback_true or any(c.feedback for c in q.choices)
            if q.type in ("single", "multi"):
                for choice in q.choices:
                    assert choice.feedback, (slug, q.id, choice.text)
            if q.type == "single":
                assert sum(1 for c in q.choices if c.fraction >= 1) == 1, (slug, q.id)
            if q.type == "truefalse":
                assert q.feedback_true and q.feedback_false, (slug, q.id)


def test_quizzes_are_big_enough_and_varied(lessons, source_text):
    words = _section_words(source_text)
    total = 0
    all_types: set[str] = set()
    for heading, slug in SECTIONS:
        scored = [q for q in lessons[slug].questions if q.type in SCORED_TYPES]
        minimum = 8 if words[heading] > 200 else 6
        assert len(scored) >= minimum, (slug, len(scored), minimum)
        types = {q.type for q in scored}
        assert len(types) >= 3, (slug, types)
        difficulties = Counter(q.difficulty for q in scored)
        assert len(difficulties) >= 2, (slug, difficulties)
        total += len(scored)
        all_types |= types
    assert total >= 120
    assert len(all_types) >= 5


def test_no_two_prompts_are_the_same(lessons):
    prompts = Counter(
        " ".join(_words(q.prompt)) for lesson in lessons.values() for q in lesson.questions
    )
    assert [p for p, n in prompts.items() if n > 1] == []


# A short source section may be fleshed out from the source's related passages
# elsewhere (cross-cultural work, for one, recurs in the attaché sections and the
# closing recap), so no lesson is held under this many words.
SHORT_LESSON_CEILING = 500


def test_lesson_length_follows_the_source_section(lessons, source_text):
    words = _section_words(source_text)
    for heading, slug in SECTIONS:
        body = len(_words(lessons[slug].body_md))
        ceiling = max(1.6 * words[heading] + 60, SHORT_LESSON_CEILING)
        assert 0.5 * words[heading] <= body <= ceiling, (slug, body, words[heading])


def _source_runs(source_text: str) -> set[tuple[str, ...]]:
    source_words = _words(source_text)
    return {tuple(source_words[i : i + RUN]) for i in range(len(source_words) - RUN + 1)}


def _copies(lesson, runs: set[tuple[str, ...]]) -> list[tuple[str, str]]:
    """Name each learner-visible text that shares a run of RUN words with the source."""
    copied = []
    for label, text in _learner_text(lesson):
        words = _words(text)
        for i in range(len(words) - RUN + 1):
            if tuple(words[i : i + RUN]) in runs:
                copied.append((label, " ".join(words[i : i + RUN])))
                break
    return copied


def test_no_learner_visible_text_copies_ten_words_of_the_source(lessons, source_text):
    runs = _source_runs(source_text)
    copied = [(slug, *copy) for slug, lesson in lessons.items() for copy in _copies(lesson, runs)]
    assert copied == []


def test_the_copy_check_catches_a_pasted_sentence(source_text):
    """Guard the guard: a sentence pasted from the source is found."""
    pasted = _words(source_text.splitlines()[8])[:RUN]
    assert tuple(pasted) in _source_runs(source_text)


def test_the_copy_check_reads_the_feedback_of_a_wrong_choice(lessons, source_text):
    """Guard the guard: ten source words hidden in a wrong choice's feedback are caught."""
    runs = _source_runs(source_text)
    lesson = next(lesson for lesson in lessons.values() if lesson.questions)
    question = next(q for q in lesson.questions if q.type == "single")
    pasted = " ".join(source_text.splitlines()[8].split()[3 : 3 + RUN])
    wrong = [c for c in question.choices if c.fraction < 1][-1]
    choices = [replace(c, feedback=f"No: {pasted}.") if c is wrong else c for c in question.choices]
    seeded = replace(lesson, questions=[replace(question, choices=choices)])
    assert [label for label, _ in _copies(seeded, runs)] == [f"question {question.id}"]


TAG_OBJECTIVE = re.compile(r"^objective-(\d+)$")


def _objective_numbers(question) -> list[int]:
    return [int(m.group(1)) for tag in question.tags if (m := TAG_OBJECTIVE.match(tag))]


def test_every_scored_question_tags_one_objective_of_its_lesson(lessons):
    wrong = []
    for slug, lesson in lessons.items():
        for q in lesson.questions:
            if q.type not in SCORED_TYPES:
                continue
            numbers = _objective_numbers(q)
            if len(numbers) != 1 or not 1 <= numbers[0] <= len(lesson.objectives):
                wrong.append((slug, q.id, [t for t in q.tags if t.startswith("objective")]))
    assert wrong == []


def _untested_objectives(lesson) -> list[str]:
    tested = {n for q in lesson.questions if q.type in SCORED_TYPES for n in _objective_numbers(q)}
    return [o for n, o in enumerate(lesson.objectives, start=1) if n not in tested]


def test_every_objective_of_a_quizzed_lesson_is_tested_by_a_scored_question(lessons):
    untested = {
        slug: _untested_objectives(lesson) for slug, lesson in lessons.items() if lesson.questions
    }
    assert {slug: objectives for slug, objectives in untested.items() if objectives} == {}


def test_an_objective_nobody_tests_is_caught(lessons):
    """Guard the guard: add an objective no question tags, and the check names it."""
    lesson = next(lesson for lesson in lessons.values() if lesson.questions)
    extra = "Explain something no question asks about."
    assert _untested_objectives(replace(lesson, objectives=[*lesson.objectives, extra])) == [extra]
    untagged = [
        replace(q, tags=[t for t in q.tags if not TAG_OBJECTIVE.match(t)]) for q in lesson.questions
    ]
    assert _untested_objectives(replace(lesson, questions=untagged)) == lesson.objectives


def test_the_course_folder_has_no_stray_files():
    expected = {f"{slug}.md" for _, slug in SECTIONS} | {f"{FINAL_EXAM}.md"}
    expected |= {f"{slug}.gift" for _, slug in SECTIONS}
    assert {p.name for p in (COURSE_DIR / "lessons").iterdir()} == expected
