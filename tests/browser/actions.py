"""What a person does in the browser: register, log in, start and answer a quiz.

Pages are found by their roles, labels and headings, never by styling classes, so
a template can be restyled without breaking a journey. The answer key comes from
the live database (what the learner is actually shown), never from the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from app.bank.model import QuestionData
from app.rendering import render_inline
from tests.browser.live import PASSWORD, LiveServer

QUESTION_NUMBER = re.compile(r"Question (\d+) of (\d+)")


def plain(markdown_text: str) -> str:
    """Return authored inline Markdown as the text a browser shows for it."""
    rendered = re.sub(r"<[^>]+>", "", str(render_inline(markdown_text)))
    return " ".join(html.unescape(rendered).split())


@dataclass(frozen=True)
class KeyedQuestion:
    """A question of the live database with what a right answer is."""

    uid: str
    data: QuestionData
    anchor: str | None

    @property
    def prompt(self) -> str:
        return plain(self.data.prompt)


@dataclass(frozen=True)
class QuizQuestion:
    """One question as it stands on a quiz page."""

    fieldset: Locator
    position: int
    key: KeyedQuestion


def register(
    page: Page, live: LiveServer, email: str, password: str = PASSWORD, name: str | None = None
) -> None:
    """Create an account through the Register link in the header (named after the email)."""
    page.goto(live("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_label("Your name").fill(name or email.split("@")[0])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")


def log_in(page: Page, live: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Log in through the log-in page; end on the course outline."""
    page.goto(live("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def lesson_title(live: LiveServer, slug: str) -> str:
    from app.course.services import lesson_by_slug

    with live.context():
        lesson = lesson_by_slug(slug)
        assert lesson is not None, f"no lesson {slug!r} in the loaded course"
        return lesson.title


def answer_key(live: LiveServer, slug: str) -> list[KeyedQuestion]:
    """Return the active questions of a lesson, as stored now."""
    from app.bank.models import STATUS_ACTIVE
    from app.course.services import lesson_by_slug
    from app.instructor.services import lesson_questions

    with live.context():
        lesson = lesson_by_slug(slug)
        assert lesson is not None, f"no lesson {slug!r} in the loaded course"
        return [
            KeyedQuestion(uid=q.uid, data=q.current.to_data(), anchor=q.current.anchor)
            for q in lesson_questions(lesson)
            if q.status == STATUS_ACTIVE
        ]


def account_id(live: LiveServer, email: str) -> int:
    """Return the id of the account with this email (the instructor's learner page needs it)."""
    from app.auth.services import find_user

    with live.context():
        user = find_user(email)
        assert user is not None, f"no account {email!r}"
        return user.id


def complete_course_for(live: LiveServer, email: str, issued: bool = False) -> str:
    """Record a completion for the account as grading would (the integration tests cover
    how grading records it), optionally issued; return its verification code.

    Only the page checks' shared learner (tests/browser/pages.py) starts from a recorded
    completion; the certificate journey earns its completion quiz by quiz in the browser.
    """
    from app.extensions import db
    from app.quizzes.completion import completion_of, new_code
    from app.quizzes.models import Completion
    from app.timeutil import now_utc

    user_id = account_id(live, email)
    with live.context():
        code = new_code()
        db.session.add(
            Completion(
                user_id=user_id, code=code, name=email.split("@")[0],
                issued_at=now_utc() if issued else None,
            )
        )  # fmt: skip
        db.session.commit()
        assert completion_of(user_id) is not None
        return code


def attempts_at(live: LiveServer, email: str, slug: str) -> int:
    """Return how many attempt rows the account has at a lesson's quiz (open or not)."""
    from sqlalchemy import func, select

    from app.course.services import lesson_by_slug
    from app.extensions import db
    from app.quizzes.models import Attempt

    user_id = account_id(live, email)
    with live.context():
        lesson = lesson_by_slug(slug)
        assert lesson is not None, f"no lesson {slug!r} in the loaded course"
        mine = (Attempt.user_id == user_id) & (Attempt.lesson_id == lesson.id)
        return db.session.scalar(select(func.count()).where(mine)) or 0


def completion_dates(live: LiveServer, email: str) -> tuple[str, str | None]:
    """Return the account's completion day and revocation day as pages show them."""
    from app.quizzes.completion import completion_of

    user_id = account_id(live, email)
    with live.context():
        completion = completion_of(user_id)
        assert completion is not None, f"{email} has not completed the course"
        revoked = completion.revoked_at
        return (
            completion.completed_at.strftime("%d %B %Y"),
            revoked.strftime("%d %B %Y") if revoked else None,
        )


def course_title(live: LiveServer) -> str:
    from app.course.services import current_course

    with live.context():
        course = current_course()
        assert course is not None, "no course loaded"
        return course.title


def lesson_slugs(live: LiveServer) -> list[str]:
    """Return every lesson of the loaded course, in course order."""
    from sqlalchemy import select

    from app.course.models import Lesson
    from app.extensions import db

    with live.context():
        return list(db.session.scalars(select(Lesson.slug).order_by(Lesson.position)))


def open_lesson(page: Page, live: LiveServer, slug: str) -> None:
    """Go from the course outline to a lesson by its link."""
    title = lesson_title(live, slug)
    page.goto(live("/"))
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def start_quiz(page: Page, live: LiveServer, slug: str) -> None:
    """Open a lesson and take its quiz; end on the quiz page."""
    open_lesson(page, live, slug)
    page.get_by_role("button", name="Take the quiz").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))


def quiz_questions(page: Page, key: list[KeyedQuestion]) -> list[QuizQuestion]:
    """Pair each question fieldset of the quiz page with its stored question."""
    fieldsets = page.locator("main form fieldset:has(> legend)")
    expect(fieldsets.first).to_be_visible()
    prompts = [(q, q.prompt) for q in key]  # rendered once: a final exam's key is the bank
    legends = fieldsets.locator("> legend").all_inner_texts()
    found = []
    for index, text in enumerate(legends):
        legend = " ".join(text.split())
        number = QUESTION_NUMBER.search(legend)
        assert number, f"legend without 'Question N of M': {legend!r}"
        matches = [(q, prompt) for q, prompt in prompts if prompt and prompt in legend]
        assert matches, f"no stored question for legend {legend!r}"
        question = max(matches, key=lambda match: len(match[1]))[0]
        found.append(QuizQuestion(fieldsets.nth(index), int(number.group(1)), question))
    return found


def right_choices(question: QuestionData) -> list[str]:
    """Return the choice texts a fully right answer picks (single, multi)."""
    if question.type == "single":
        best = max(question.choices, key=lambda c: c.fraction)
        return [plain(best.text)]
    return [plain(c.text) for c in question.choices if c.fraction > 0]


def wrong_choice(question: QuestionData) -> str:
    return next(plain(c.text) for c in question.choices if c.fraction <= 0)


def right_text(question: QuestionData) -> str:
    """Return a text that a short-answer or numerical question accepts in full."""
    if question.type == "numerical":
        best = max(question.numeric_answers, key=lambda a: a.fraction)
        return f"{best.value:g}"
    return max(question.choices, key=lambda c: c.fraction).text


def answer_by_mouse(item: QuizQuestion, right: bool = True) -> None:
    """Answer one question with the mouse (and typing, for text answers)."""
    question, fieldset = item.key.data, item.fieldset
    if question.type == "single":
        label = right_choices(question)[0] if right else wrong_choice(question)
        fieldset.get_by_label(label, exact=True).check()
    elif question.type == "multi":
        labels = right_choices(question) if right else [wrong_choice(question)]
        for label in labels:
            fieldset.get_by_label(label, exact=True).check()
    elif question.type == "truefalse":
        value = bool(question.correct) if right else not question.correct
        fieldset.get_by_label("True" if value else "False", exact=True).check()
    elif question.type == "matching":
        pairs = [p for p in question.pairs if p.left]
        rights = [" ".join(p.right.split()) for p in pairs]
        for index, pair in enumerate(pairs):
            chosen = rights[index] if right else rights[(index + 1) % len(rights)]
            fieldset.get_by_label(plain(pair.left), exact=True).select_option(label=chosen)
    elif question.type in ("short", "numerical"):
        box = fieldset.get_by_role("textbox")
        box.click()
        box.fill(right_text(question) if right else "not the answer")
    else:
        raise AssertionError(f"no way to answer a {question.type!r} question yet")


def wait_for_autosave(page: Page) -> None:
    """Wait until the page no longer says it is saving, as a learner glancing at it would.

    Submitting while a save is on its way is refused as stale: see
    test_submitting_while_an_autosave_is_on_its_way_still_grades_the_quiz.
    """
    expect(page.get_by_role("status").filter(has_text="Saving")).to_have_count(0)


def submit_quiz(page: Page) -> None:
    """Submit the answers and land on the result."""
    wait_for_autosave(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))


def take_quiz(
    page: Page, live: LiveServer, slug: str, wrong: int = 0, submit: bool = True
) -> list[QuizQuestion]:
    """Take a lesson's quiz with the mouse: all right but the first `wrong` single-choice ones."""
    start_quiz(page, live, slug)
    items = quiz_questions(page, answer_key(live, slug))
    wrong_left = wrong
    for item in items:
        make_wrong = wrong_left > 0 and item.key.data.type == "single" and item.key.anchor
        answer_by_mouse(item, right=not make_wrong)
        wrong_left -= 1 if make_wrong else 0
    assert wrong_left == 0, "not enough single-choice questions with an anchor to get wrong"
    if submit:
        submit_quiz(page)
    return items


def upload_for_import(page: Page, live: LiveServer, slug: str, gift_text: str) -> str:
    """Upload a GIFT file for a lesson as an instructor; return the preview's token."""
    page.goto(live(f"/instructor/lessons/{slug}/import"))
    page.get_by_label("Question file").set_input_files(
        {"name": "sample.gift", "mimeType": "text/plain", "buffer": gift_text.encode()}
    )
    page.get_by_label("GIFT (Moodle)").check()
    page.get_by_role("button", name="Upload and preview").click()
    expect(page).to_have_url(re.compile(rf"/instructor/lessons/{slug}/import/[\w-]+$"))
    return page.url.rsplit("/", 1)[-1]
