"""Size limits of a question, the same whichever way it arrives (editor, import, course load).

Text limits are in characters; the editor shows at most `MAX_ROWS` answer rows.
The web form enforces them field by field (its validators use these numbers) and,
like the GIFT and Aiken readers and so every import and course load, through
`limit_problems`: a question over a limit is refused wherever it comes from,
instead of reaching quiz pages that then take seconds to render.

The readers also cap how many errors they report (`MAX_ERRORS_PER_QUESTION`,
`MAX_ERRORS_PER_FILE`), so that a hostile file cannot make a report, or the time
to build it, grow without bound. How many questions one import may hold is an
app setting (`IMPORT_MAX_QUESTIONS`, `app.config`).
"""

from __future__ import annotations

from app.bank.model import QuestionData

MAX_TITLE = 200
MAX_PROMPT = 10_000
MAX_ANSWER = 1_000
MAX_FEEDBACK = 5_000
MAX_TAG = 200
MAX_ROWS = 50
MAX_UPLOAD_BYTES = 1024 * 1024
# Item-writing rules one question may silence, and the editor's field for them.
MAX_SILENCES = 20
MAX_SILENCES_TEXT = 8_000

MAX_ERRORS_PER_QUESTION = 20
MAX_ERRORS_PER_FILE = 100

# A lesson's text, in the lesson editor and in the course files alike.
MAX_LESSON_TITLE = 200
MAX_LESSON_BODY = 200_000
MAX_OBJECTIVES = 30
MAX_OBJECTIVE = 500
MAX_OBJECTIVES_TEXT = 10_000  # the editor's objectives box, one objective a line
MAX_SUMMARY = 10_000
MAX_KEY_TERM = 200
MAX_KEY_DEFINITION = 2_000
# A lesson file's front matter holds the fields above; more than this is refused unread.
MAX_FRONT_MATTER = 200_000


def limit_problems(question: QuestionData, answer_count: int | None = None) -> list[str]:
    """Say which of a question's fields are over their limit (an empty list if none).

    `answer_count` is the number of answers a reader found when it stopped reading
    them past `MAX_ROWS` (the question then holds only those it read).
    """
    problems: list[str] = []

    def check(text: str, limit: int, what: str) -> None:
        if len(text) > limit:
            problems.append(f"{what} is {len(text):,} characters long; the limit is {limit:,}")

    check(question.title, MAX_TITLE, "the title")
    check(question.prompt, MAX_PROMPT, "the question text")
    check(question.general_feedback, MAX_FEEDBACK, "the general feedback")
    check(question.feedback_true, MAX_FEEDBACK, "the feedback for answering True")
    check(question.feedback_false, MAX_FEEDBACK, "the feedback for answering False")
    for number, choice in enumerate(question.choices, start=1):
        check(choice.text, MAX_ANSWER, f"answer {number}")
        check(choice.feedback, MAX_FEEDBACK, f"the feedback of answer {number}")
    for number, answer in enumerate(question.numeric_answers, start=1):
        check(answer.feedback, MAX_FEEDBACK, f"the feedback of numerical answer {number}")
    for number, pair in enumerate(question.pairs, start=1):
        check(pair.left, MAX_ANSWER, f"the left side of matching pair {number}")
        check(pair.right, MAX_ANSWER, f"the right side of matching pair {number}")
    for tag in question.tags:
        check(tag, MAX_TAG, f"the tag '{tag[:40]}…'")
    count = question.answer_count if answer_count is None else answer_count
    if count > MAX_ROWS:
        problems.append(f"it has {count:,} answers; the web editor handles up to {MAX_ROWS}")
    return problems


def lesson_limit_problems(
    title: str,
    body: str,
    objectives: list[str],
    key_terms: list[dict[str, str]],
    summary: str,
) -> list[str]:
    """Say which parts of a lesson's text are over the lesson editor's limits."""
    problems: list[str] = []

    def check(text: str, limit: int, what: str) -> None:
        if len(text) > limit:
            problems.append(f"{what} is {len(text):,} characters long; the limit is {limit:,}")

    check(title, MAX_LESSON_TITLE, "the title")
    check(body, MAX_LESSON_BODY, "the lesson text")
    check(summary, MAX_SUMMARY, "the summary")
    if len(objectives) > MAX_OBJECTIVES:
        problems.append(f"it has {len(objectives):,} objectives; the limit is {MAX_OBJECTIVES}")
    for number, objective in enumerate(objectives[:MAX_OBJECTIVES], start=1):
        check(objective, MAX_OBJECTIVE, f"objective {number}")
    if len(key_terms) > MAX_ROWS:
        problems.append(f"it has {len(key_terms):,} key terms; the limit is {MAX_ROWS}")
    for number, term in enumerate(key_terms[:MAX_ROWS], start=1):
        check(term["term"], MAX_KEY_TERM, f"key term {number}")
        check(term["definition"], MAX_KEY_DEFINITION, f"the definition of key term {number}")
    return problems
