"""Journeys in a real browser, each told as one person's story.

Each journey uses its own people and its own lesson (the certificate journey
passes every lesson, as its own new learner), so the journeys do not depend on
each other's order; a journey that changes a course setting puts it back. A new
feature adds its journey here as a new `test_…` function built from the steps in
tests/browser/actions.py.
"""

from __future__ import annotations

import contextlib
import math
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import (
    QUESTION_NUMBER,
    KeyedQuestion,
    account_id,
    answer_by_mouse,
    answer_key,
    attempts_at,
    completion_dates,
    course_title,
    lesson_slugs,
    lesson_title,
    log_in,
    open_lesson,
    plain,
    quiz_questions,
    register,
    right_choices,
    right_text,
    start_quiz,
    submit_quiz,
    take_quiz,
    upload_for_import,
    wait_for_autosave,
)
from tests.browser.checks import page_problems
from tests.browser.live import DESKTOP, INSTRUCTOR_EMAIL, PHONE, LiveServer

pytestmark = pytest.mark.browser


def new_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


def shown_percent(right: int, total: int) -> str:
    """The score as pages show it: a whole percent, halves rounded up."""
    return f"{math.floor(100 * right / total + 0.5)}%"


def pass_mark(live: LiveServer, slug: str) -> float:
    from app.course.services import lesson_by_slug, settings_for

    with live.context():
        return settings_for(lesson_by_slug(slug)).pass_mark


def in_viewport(page: Page, element_id: str) -> bool:
    return page.evaluate(
        """id => {
            const box = document.getElementById(id).getBoundingClientRect();
            return box.top >= 0 && box.top < window.innerHeight && box.bottom > 0;
        }""",
        element_id,
    )


def test_a_new_learner_reads_a_lesson_takes_the_quiz_by_mouse_and_reviews_a_mistake(
    live_server: LiveServer, new_page
) -> None:
    slug = "understanding-military-diplomacy"
    page = new_page()
    register(page, live_server, new_email("mouse"))

    open_lesson(page, live_server, slug)
    expect(page.get_by_role("heading", name="In this lesson you will")).to_be_visible()
    expect(page.get_by_role("heading", name="Key terms")).to_be_visible()

    items = take_quiz(page, live_server, slug, wrong=1)
    total = len(answer_key(live_server, slug))
    assert len(items) == total >= 8
    score = shown_percent(total - 1, total)

    expect(page.get_by_role("heading", level=1)).to_have_text(lesson_title(live_server, slug))
    expect(page.get_by_text(f"Score: {score}", exact=True)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    review = page.get_by_role("list").filter(has=page.get_by_role("heading", level=2))
    right = review.get_by_role("heading", level=2, name=re.compile(r"^Right"))
    expect(right).to_have_count(total - 1)
    expect(review.get_by_role("heading", level=2, name=re.compile(r"^Wrong"))).to_have_count(1)

    mistake = next(item for item in items if item.key.data.type == "single")
    wrong_heading = review.get_by_role("heading", level=2, name=re.compile(r"^Wrong"))
    expect(wrong_heading).to_contain_text(f"Question {mistake.position} ")
    review.get_by_role(
        "link", name=f"Review this in the lesson (question {mistake.position})"
    ).click()

    anchor = f"p-{mistake.key.anchor}"
    expect(page).to_have_url(re.compile(rf"/lessons/{slug}#{anchor}$"))
    assert page.evaluate("() => location.hash") == f"#{anchor}"
    expect(page.locator(f"#{anchor}")).to_have_count(1)
    assert in_viewport(page, anchor), f"#{anchor} is not scrolled into view"
    expect(page.get_by_text(f"Your counted score: {score}")).to_be_visible()


KEYBOARD_STEPS = 400
ACTIVE_ELEMENT = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const fieldset = el.closest('fieldset');
    const legend = fieldset && fieldset.querySelector(':scope > legend');
    const group = el.type === 'radio'
        ? [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)] : [];
    return {
        tag: el.tagName.toLowerCase(),
        type: el.type || '',
        name: el.name || '',
        text: (el.innerText || el.value || '').trim(),
        label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : '',
        legend: legend ? legend.innerText.replace(/\\s+/g, ' ').trim() : '',
        checked: !!el.checked,
        groupLabels: group.map(r => r.labels[0].innerText.trim()),
        options: el.tagName === 'SELECT' ? [...el.options].map(o => o.label.trim()) : [],
        selected: el.tagName === 'SELECT' ? el.selectedIndex : -1,
    };
}"""


def tab_to(page: Page, wanted, limit: int = 60) -> dict:
    """Press Tab until the focused element is the one `wanted` accepts."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(ACTIVE_ELEMENT)
        if focused and wanted(focused):
            return focused
    raise AssertionError(f"Tab never reached the element after {limit} presses")


def question_for(legend: str, key: list[KeyedQuestion]) -> KeyedQuestion:
    return max((q for q in key if q.prompt in legend), key=lambda q: len(q.prompt))


def answer_focused_by_keyboard(page: Page, focused: dict, question: KeyedQuestion) -> None:
    """Answer the focused control with keys only: arrows, Space and typing."""
    data = question.data
    if focused["type"] == "radio":
        if data.type == "truefalse":
            target = "True" if data.correct else "False"
        else:
            target = right_choices(data)[0]
        labels = [" ".join(label.split()) for label in focused["groupLabels"]]
        here, there = labels.index(" ".join(focused["label"].split())), labels.index(target)
        if here == there:
            page.keyboard.press("Space")
        for _ in range(abs(there - here)):
            page.keyboard.press("ArrowDown" if there > here else "ArrowUp")
    elif focused["type"] == "checkbox":
        if " ".join(focused["label"].split()) in right_choices(data) and not focused["checked"]:
            page.keyboard.press("Space")
    elif focused["tag"] == "select":
        pair = next(p for p in data.pairs if p.left and plain(p.left) == focused["label"])
        target = focused["options"].index(" ".join(pair.right.split()))
        for _ in range(target - focused["selected"]):
            page.keyboard.press("ArrowDown")
    elif focused["tag"] in ("input", "textarea"):
        page.keyboard.type(right_text(data))


def test_the_same_quiz_by_keyboard_alone_from_the_lesson_page(
    live_server: LiveServer, new_page
) -> None:
    slug = "understanding-military-diplomacy"
    page = new_page()
    register(page, live_server, new_email("keyboard"))
    page.goto(live_server(f"/lessons/{slug}"))  # typed into the address bar

    skip = tab_to(page, lambda f: True)
    assert skip["text"] == "Skip to content", "the first Tab stop is the skip link"
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Take the quiz")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))

    key = answer_key(live_server, slug)
    answered_groups: set[str] = set()
    for _ in range(KEYBOARD_STEPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(ACTIVE_ELEMENT)
        if not focused:
            continue
        if focused["tag"] == "button" and focused["text"] == "Submit answers":
            break
        if not QUESTION_NUMBER.search(focused["legend"]):
            continue
        question = question_for(focused["legend"], key)
        if focused["type"] == "radio" and focused["name"] in answered_groups:
            continue
        answer_focused_by_keyboard(page, focused, question)
        answered_groups.add(focused["name"])
    else:
        raise AssertionError("Tab never reached the Submit answers button")

    expect(page.locator("main form fieldset:has(> legend)")).to_have_count(len(key))
    wait_for_autosave(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))
    expect(page.get_by_text("Score: 100%", exact=True)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Wrong"))).to_have_count(0)


def test_an_instructor_writes_and_previews_a_question_and_a_learner_meets_it_in_the_quiz(
    live_server: LiveServer, new_page
) -> None:
    slug = "key-strategies"
    title = lesson_title(live_server, slug)
    marker = uuid.uuid4().hex[:6]
    prompt = f"Which practice does the lesson pair with joint exercises? ({marker})"

    teacher = new_page()
    log_in(teacher, live_server, INSTRUCTOR_EMAIL)
    teacher.get_by_role("navigation", name="Main").get_by_role("link", name="Instructor").click()
    teacher.get_by_role("link", name=title, exact=True).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(f"Questions: {title}")
    teacher.get_by_role("link", name="Add a single-choice question").click()

    teacher.get_by_label("Title").fill(f"Paired practice {marker}")
    teacher.get_by_label("Question", exact=True).fill(prompt)
    choices = ["Regular staff talks", "Closing every embassy", "Ignoring allies"]
    for number, text in enumerate(choices, start=1):
        teacher.get_by_label(f"Choice {number}", exact=True).fill(text)
        teacher.get_by_label(f"Feedback for choice {number}", exact=True).fill(
            "Right, they go together." if number == 1 else "No, that works against trust."
        )
    teacher.get_by_label("Correct choice 1", exact=True).check()
    teacher.get_by_label("Difficulty").select_option(label="Easy")
    paragraphs = teacher.get_by_label("Lesson paragraph it tests")
    anchor = paragraphs.locator("option").nth(1).get_attribute("value")
    assert anchor, "the lesson offers no paragraph to link the question to"
    paragraphs.select_option(anchor)

    teacher.get_by_role("button", name="Preview").click()
    preview = teacher.get_by_role("region", name="Preview: what a learner sees")
    expect(preview.get_by_role("group", name=re.compile(re.escape(prompt)))).to_be_visible()
    expect(preview.get_by_role("radio")).to_have_count(3)
    expect(preview).to_contain_text("Regular staff talks")
    assert page_problems(teacher) == []
    teacher.get_by_role("button", name="Save question").click()

    expect(teacher.get_by_role("status")).to_contain_text("Question added.")
    expect(teacher).to_have_url(re.compile(r"/instructor/lessons/key-strategies/questions#web-"))
    expect(teacher.get_by_role("row", name=re.compile(f"Paired practice {marker}"))).to_be_visible()

    learner = new_page()
    register(learner, live_server, new_email("meets"))
    start_quiz(learner, live_server, slug)
    items = quiz_questions(learner, answer_key(live_server, slug))
    new_question = [item for item in items if item.key.prompt == prompt]
    assert len(new_question) == 1, "the new question is not in the learner's quiz"
    item = new_question[0]
    expect(item.fieldset.get_by_role("radio")).to_have_count(3)
    for each in items:  # a pass: the default review options then show the feedback
        answer_by_mouse(each)
    submit_quiz(learner)

    expect(learner.get_by_text(prompt)).to_be_visible()
    verdict = learner.get_by_role("heading", level=2, name=f"Question {item.position} ")
    expect(verdict.first).to_contain_text("Right")
    expect(learner.get_by_text("Right, they go together.")).to_be_visible()
    link = learner.get_by_role("link", name=f"Review this in the lesson (question {item.position})")
    expect(link).to_have_attribute("href", f"/lessons/{slug}#p-{anchor}")


def test_my_progress_lists_the_attempt_and_reopens_its_review(
    live_server: LiveServer, new_page
) -> None:
    slug = "historical-evolution"
    title = lesson_title(live_server, slug)
    page = new_page()
    register(page, live_server, new_email("scores"))
    take_quiz(page, live_server, slug, wrong=1)
    result_url = page.url
    total = len(answer_key(live_server, slug))
    score = shown_percent(total - 1, total)  # all right but one
    expect(page.get_by_text(f"Score: {score}", exact=True)).to_be_visible()
    start_quiz(page, live_server, slug)  # a second attempt, left open
    quiz_url = page.url

    page.goto(live_server("/scores"))  # the old address leads to My progress
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")
    lesson_link = page.get_by_role("link", name=title, exact=True)
    row = page.get_by_role("row").filter(has=lesson_link)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Passed")  # 89% passes; the open retake is listed to resume
    expect(row.get_by_role("link", name=f"Resume {title}")).to_be_visible()

    review = page.locator(f'a[href="{result_url.removeprefix(live_server.url)}"]').first
    expect(review).to_contain_text(f"Attempt 1 of {title}: ")
    review.click()
    expect(page).to_have_url(result_url)
    expect(page.get_by_text("Result · attempt 1")).to_be_visible()
    expect(page.get_by_text(f"Score: {score}", exact=True)).to_be_visible()

    page.go_back()
    page.get_by_role("link", name=f"Resume {title}").first.click()
    expect(page).to_have_url(quiz_url)
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()


def test_a_learner_fails_then_passes_and_sees_the_chart_and_the_next_step(
    live_server: LiveServer, new_page
) -> None:
    slugs = lesson_slugs(live_server)[:4]

    def single_share(slug: str) -> float:
        keys = answer_key(live_server, slug)
        return sum(q.data.type == "single" and bool(q.anchor) for q in keys) / len(keys)

    slug = max(slugs, key=single_share)  # the lesson where wrong answers fail most surely
    following = slugs[0] if slug != slugs[0] else slugs[1]  # the next step once it is passed
    title = lesson_title(live_server, slug)
    page = new_page()
    register(page, live_server, new_email("progress"))
    expect(page.get_by_role("heading", name="What to do next")).to_be_visible()
    first_title = lesson_title(live_server, slugs[0])
    expect(page.get_by_role("link", name=f"Go to {first_title}")).to_be_visible()

    wrong = sum(q.data.type == "single" and bool(q.anchor) for q in answer_key(live_server, slug))
    take_quiz(page, live_server, slug, wrong=wrong)  # every single-choice question wrong
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My progress").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("Attempted")
    # What was missed is due in practice now, and practice comes before the next lesson.
    expect(page.get_by_role("link", name="Practise now")).to_be_visible()

    take_quiz(page, live_server, slug)  # all right
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My progress").click()
    expect(row).to_contain_text("Passed")
    expect(page.get_by_text(re.compile(r"^1 of \d+ lessons passed"))).to_be_visible()
    expect(page.get_by_role("link", name="Practise now")).to_be_visible()  # still due
    next_title = lesson_title(live_server, following)

    page.get_by_role("link", name=f"Score history of {title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Score history: {title}")
    expect(page.locator("svg.chart__svg circle")).to_have_count(2)
    expect(page.locator("svg.chart__svg .chart__pass")).to_have_count(1)
    table = page.get_by_role("table", name=f"Your attempts at {title} as a table")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two attempts
    expect(table).to_contain_text("not passed")

    page.goto(live_server("/"))  # the outline shows the bar small and the same next step
    expect(page.get_by_role("progressbar", name="Lessons passed")).to_be_visible()
    expect(page.get_by_role("link", name="Practise now")).to_be_visible()
    expect(page.get_by_text(re.compile(r"practice due: \d+"))).to_be_visible()
    # Once nothing is due, the next step is the next lesson not yet passed.
    page.get_by_role("link", name="Practise now").click()
    while page.get_by_role("button", name="Check my answer").count():
        page.get_by_role("button", name="Check my answer").click()  # unanswered: wrong
        page.wait_for_url(re.compile(r"/practice/reviews/\d+$"))
        page.goto(live_server("/practice"))
    page.goto(live_server("/"))
    expect(page.get_by_role("link", name=f"Go to {next_title}")).to_be_visible()


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _save_course_rules(teacher: Page, live_server: LiveServer, sequential: bool) -> None:
    """On the course settings page, switch sequential mode on or off and save."""
    teacher.goto(live_server("/instructor/"))
    teacher.get_by_role("link", name="course settings").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Course settings")
    teacher.get_by_label(re.compile(r"^Sequential mode")).set_checked(sequential)
    teacher.get_by_role("button", name="Save course settings").click()
    expect(teacher.get_by_text("Course settings saved.", exact=False)).to_be_visible()
    expect(teacher.get_by_label(re.compile(r"^Sequential mode"))).to_be_checked(checked=sequential)


def test_a_sequential_learner_completes_the_course_a_visitor_verifies_it_then_it_is_revoked(
    own_live_server: LiveServer, new_page
) -> None:
    # Its own server: sequential mode is course-wide, and a learner who passes every lesson
    # would make the item statistics of every lesson real rather than the demo class's.
    live_server = own_live_server
    *lessons, final_exam = lesson_slugs(live_server)  # course order; the course review last
    first = lesson_title(live_server, lessons[0])
    email, name = new_email("sequential"), f"Grace Hopper {uuid.uuid4().hex[:6]}"
    teacher = new_page()
    log_in(teacher, live_server, INSTRUCTOR_EMAIL)
    _save_course_rules(teacher, live_server, sequential=True)
    try:
        learner = new_page()
        register(learner, live_server, email, name=name)

        # The second lesson reads as usual, but its quiz says why it is locked and where to go.
        open_lesson(learner, live_server, lessons[1])
        expect(learner.locator(".prose")).not_to_be_empty()
        why = f"Locked. This quiz opens when you have passed the lesson before it: {first}."
        expect(learner.get_by_text(why, exact=True)).to_be_visible()
        expect(learner.get_by_role("button", name="Take the quiz")).to_have_count(0)
        # Posting to the quiz's start anyway (a valid token, the learner's cookies) is refused.
        token = learner.locator("input[name=csrf_token]").first.get_attribute("value")
        assert token, "no CSRF token on the lesson page"
        refused = learner.request.post(
            live_server(f"/lessons/{lessons[1]}/quiz"), form={"csrf_token": token}
        )
        assert refused.ok and refused.url == live_server(f"/lessons/{lessons[1]}"), refused.url
        assert "This quiz opens when you have passed the lesson before it" in refused.text()
        assert attempts_at(live_server, email, lessons[1]) == 0
        learner.get_by_role("link", name=f"Go to {first}").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text(first)

        # Every lesson in course order, all right; each quiz opens because the one before passed.
        for slug in lessons:
            take_quiz(learner, live_server, slug)
            expect(learner.get_by_text("Passed", exact=True)).to_be_visible()
        assert attempts_at(live_server, email, lessons[1]) == 1
        page_nav = learner.get_by_role("navigation", name="Main")
        page_nav.get_by_role("link", name="My progress").click()
        learner.get_by_role("link", name=re.compile(r"^Go to the final exam")).click()
        expect(learner).to_have_url(live_server(f"/lessons/{final_exam}"))

        # The final exam draws from every lesson's bank.
        bank = [question for slug in lessons for question in answer_key(live_server, slug)]
        learner.get_by_role("button", name="Take the quiz").click()
        for item in quiz_questions(learner, bank):
            answer_by_mouse(item)
        submit_quiz(learner)
        expect(learner.get_by_text("Passed", exact=True)).to_be_visible()

        page_nav.get_by_role("link", name="My progress").click()
        done = learner.get_by_text("You have passed every lesson and the final exam.")
        expect(done).to_be_visible()
        learner.get_by_role("link", name="Your certificate of completion").first.click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("You completed the course")
        # A learner who named themselves at registration has confirmed the name already.
        expect(learner.get_by_text(f"Your certificate will carry the name {name}.")).to_be_visible()
        learner.get_by_role("button", name="Issue my certificate").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text(name)
        for size in ("A4", "Letter"):
            learner.emulate_media(media="print")
            assert _pdf_pages(learner.pdf(format=size)) == 1, f"the certificate spills over {size}"
        learner.emulate_media(media="screen")
        url = learner.locator(".certificate__verify a").get_attribute("href")
        assert url and url.startswith(live_server("/certificates/")), url

        completed_on, _ = completion_dates(live_server, email)
        visitor = new_page()  # nobody logged in
        visitor.goto(url)
        facts = visitor.locator("main")
        expect(visitor.get_by_text("Verified", exact=True)).to_be_visible()
        for shown in (name, course_title(live_server), completed_on):
            expect(facts).to_contain_text(shown)
        expect(facts).not_to_contain_text(email)
        expect(facts).not_to_contain_text(re.compile(r"\d%|[Ss]core"))

        teacher.goto(live_server("/instructor/"))
        teacher.get_by_role("link", name="Gradebook").click()
        teacher.get_by_label("Search learners by name or email").fill(name)
        teacher.get_by_role("button", name="Search").click()
        teacher.get_by_role("link", name=name, exact=True).click()
        expect(teacher.get_by_role("heading", level=1)).to_have_text(name)
        teacher.get_by_role("button", name="Revoke the certificate").click()
        expect(teacher.get_by_text("The certificate is revoked.")).to_be_visible()

        visitor.reload()
        _, revoked_on = completion_dates(live_server, email)
        expect(visitor.get_by_text(f"Revoked on {revoked_on}", exact=True)).to_be_visible()
        expect(visitor.get_by_text("Verified", exact=True)).to_have_count(0)
    finally:  # the other journeys share this server: put the default back
        _save_course_rules(teacher, live_server, sequential=False)


def test_submitting_while_an_autosave_is_on_its_way_still_grades_the_quiz(
    live_server: LiveServer, new_page
) -> None:
    slug = "attache-functions"
    page = new_page()
    register(page, live_server, new_email("hasty"))
    start_quiz(page, live_server, slug)
    held = []  # the autosave reaches the server; its answer reaches the page only later

    def hold_save(route) -> None:
        held.append((route, route.fetch()))

    page.route(re.compile(r"/attempts/\d+/save$"), hold_save)
    answer_by_mouse(quiz_questions(page, answer_key(live_server, slug))[0])
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never autosaved the answer"

    page.get_by_role("button", name="Submit answers").click(no_wait_after=True)
    route, response = held[0]
    with contextlib.suppress(Exception):  # the page may have moved on, cancelling the save
        route.fulfill(response=response)
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))


def test_an_instructor_imports_a_gift_file_and_a_learner_meets_its_question(
    live_server: LiveServer, new_page
) -> None:
    slug = "future-trends"
    marker = uuid.uuid4().hex[:6]
    prompt = f"Which concern does the lesson add to future military diplomacy? ({marker})"
    gift = (
        f"// [id:imp-journey-{marker}] [tag:difficulty-easy] [tag:anchor-environmental-security]\n"
        f"::Imported {marker}::{prompt}{{\n"
        "=Environmental security#Right, the lesson names it.\n"
        "~Colonial expansion#No, the lesson never mentions it.\n"
        "~Closing embassies#No, the lesson argues for more engagement.\n"
        "}\n"
    )

    teacher = new_page()
    log_in(teacher, live_server, INSTRUCTOR_EMAIL)
    upload_for_import(teacher, live_server, slug, gift)
    expect(teacher.get_by_text(f"Imported {marker}")).to_be_visible()
    assert page_problems(teacher) == []
    teacher.get_by_role("button", name="Import 1 question").click()
    expect(teacher.get_by_role("status")).to_contain_text("Imported 1 question.")
    expect(teacher).to_have_url(re.compile(rf"/instructor/lessons/{slug}/questions"))
    expect(teacher.get_by_role("row", name=re.compile(f"Imported {marker}"))).to_be_visible()

    learner = new_page()
    register(learner, live_server, new_email("imported"))
    start_quiz(learner, live_server, slug)
    items = quiz_questions(learner, answer_key(live_server, slug))
    found = [item for item in items if item.key.prompt == prompt]
    assert len(found) == 1, "the imported question is not in the learner's quiz"
    for each in items:  # a pass: the default review options then show the feedback
        answer_by_mouse(each)
    submit_quiz(learner)
    expect(learner.get_by_text("Right, the lesson names it.")).to_be_visible()


def _save_course_review_options(teacher: Page, live_server: LiveServer, **choices: str) -> None:
    """On the course settings page, pick a timing for each named part and save."""
    teacher.goto(live_server("/instructor/"))
    teacher.get_by_role("link", name="course settings").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Course settings")
    for label, timing in choices.items():
        teacher.get_by_label(label, exact=True).select_option(label=timing)
    teacher.get_by_role("button", name="Save course settings").click()
    expect(teacher.get_by_text("Course settings saved.", exact=False)).to_be_visible()


def test_an_instructor_shows_the_correct_answers_at_once_and_a_learners_result_follows(
    live_server: LiveServer, new_page
) -> None:
    slug = "case-studies"
    learner = new_page()
    register(learner, live_server, new_email("reviewed"))
    start_quiz(learner, live_server, slug)
    items = quiz_questions(learner, answer_key(live_server, slug))
    for item in items:
        answer_by_mouse(item, right=False)
    submit_quiz(learner)
    expect(learner.get_by_text("Not passed", exact=True)).to_be_visible()
    review = learner.locator("ol.review")
    # The defaults: marks at once; the correct answers wait for a pass or the last attempt.
    expect(review.get_by_role("heading", level=2, name=re.compile(r"^Wrong"))).to_have_count(
        len(items)
    )
    expect(review.get_by_text("Correct answer", exact=True)).to_have_count(0)
    expect(learner.get_by_text("appear once you pass this quiz", exact=False)).to_be_visible()

    teacher = new_page()
    log_in(teacher, live_server, INSTRUCTOR_EMAIL)
    try:
        _save_course_review_options(
            teacher,
            live_server,
            **{"The correct answer": "Right after each attempt", "Right and wrong marks": "Never"},
        )
        learner.reload()
        expect(review.get_by_text("Correct answer", exact=True)).to_have_count(len(items))
        expect(review.get_by_role("heading", level=2, name=re.compile(r"^Wrong"))).to_have_count(0)
        expect(learner.get_by_text("appear once you pass this quiz", exact=False)).to_have_count(0)
    finally:  # the other journeys share this server: put the defaults back
        _save_course_review_options(
            teacher,
            live_server,
            **{
                "The correct answer": "Once they pass, or after their last attempt",
                "Right and wrong marks": "Right after each attempt",
            },
        )


def test_an_instructor_finds_a_new_learners_score_in_the_gradebook_and_their_review(
    live_server: LiveServer, new_page
) -> None:
    slug = "legal-and-ethical"
    title = lesson_title(live_server, slug)
    name = f"Zoë Källberg {uuid.uuid4().hex[:6]}"
    learner = new_page()
    register(learner, live_server, new_email("named"), name=name)
    take_quiz(learner, live_server, slug, wrong=1)
    total = len(answer_key(live_server, slug))
    score = shown_percent(total - 1, total)
    expect(learner.get_by_text(f"Score: {score}", exact=True)).to_be_visible()

    page = new_page()
    log_in(page, live_server, INSTRUCTOR_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Instructor").click()
    page.get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gradebook")
    page.get_by_label("Search learners by name or email").fill(name.upper())
    page.get_by_role("button", name="Search").click()
    table = page.get_by_role("table", name=re.compile(r"^Scores of 1 learner in \d+ lessons"))
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
    expect(row).to_have_count(1)
    state = "passed" if 100 * (total - 1) / total >= pass_mark(live_server, slug) else "not passed"
    expect(row.get_by_role("cell", name=f"{score} {state}", exact=True)).to_have_count(1)

    # Sort by last activity, then filter: the search and the sort survive each link.
    table.get_by_role("link", name="Last activity").click()
    sorted_header = page.get_by_role("columnheader", name=re.compile("^Last activity"))
    expect(sorted_header).to_have_attribute("aria-sort", "ascending")
    filters = page.get_by_role("navigation", name="Show learners")
    filters.get_by_role("link", name="not started").click()
    expect(
        page.get_by_text(f"No learner is listed under “not started” and matches “{name.upper()}”.")
    )
    filters.get_by_role("link", name="everyone").click()
    expect(row).to_have_count(1)
    expect(page.get_by_role("columnheader", name=re.compile("^Last activity"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(page.get_by_label("Search learners by name or email")).to_have_value(name.upper())

    # On a phone the table scrolls in its own box and the learner's name stays in view.
    page.set_viewport_size(PHONE)
    scroller = page.get_by_role("region", name=re.compile(r"^Scores of"))
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    assert scroller.evaluate("box => box.scrollLeft") > 0, "the table did not scroll in its box"
    name_cell = row.get_by_role("rowheader", name=name).bounding_box()
    box = scroller.bounding_box()
    assert name_cell is not None and box is not None
    assert abs(name_cell["x"] - box["x"]) <= 2, (name_cell, box)  # still at the box's left edge
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download as CSV")).click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and name.encode("utf-8") in data

    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    # One more attempt at the lesson, counted on the learner's page.
    used = page.get_by_text(re.compile(r"^Attempts used: 1 "))
    expect(used.first).to_be_visible()
    page.get_by_role("button", name=f"Give one more attempt at {title}").click()
    expect(page.get_by_text(f"{title}: 1 extra attempt given in all.")).to_be_visible()
    assert not page_problems(page), page_problems(page)

    page.get_by_role("link", name=f"Review attempt 1 at {title}").click()
    expect(page.get_by_text("You see the full review")).to_be_visible()
    expect(page.get_by_text(f"What {name} sees now")).to_be_visible()
    expect(page.get_by_text(f"Score: {score}", exact=True)).to_be_visible()
    expect(page.get_by_text("Correct answer", exact=True).first).to_be_visible()
    assert not page_problems(page), page_problems(page)


def test_a_learner_misses_a_question_practises_it_and_sees_it_scheduled_days_later(
    live_server: LiveServer, new_page
) -> None:
    from datetime import UTC, datetime, timedelta

    slug = "peacekeeping-missions"
    page = new_page()
    register(page, live_server, new_email("practice"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice").click()
    expect(page.get_by_text("All caught up: no practice is due.")).to_be_visible()

    items = take_quiz(page, live_server, slug, wrong=1)
    missed = next(item for item in items if item.key.data.type == "single" and item.key.anchor)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice").click()
    expect(page.get_by_text("1 question due now.", exact=False)).to_be_visible()

    (question,) = quiz_questions(page, answer_key(live_server, slug))
    assert question.key.uid == missed.key.uid, "practice serves the question that was missed"
    # By keyboard alone: Tab into the choices, arrows to the right one, Enter on the button.
    right = right_choices(question.key.data)[0]
    focused = tab_to(page, lambda f: f["type"] == "radio")
    for _ in range(len(focused["groupLabels"])):
        if plain(focused["label"]) == right:
            break
        page.keyboard.press("ArrowDown")
        focused = page.evaluate(ACTIVE_ELEMENT)
    page.keyboard.press("Space")  # Tab only focuses a group with nothing chosen yet
    focused = page.evaluate(ACTIVE_ELEMENT)
    assert plain(focused["label"]) == right and focused["checked"], focused
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Check my answer")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/practice/reviews/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Right")
    when = page.locator("#practice-next-review time").get_attribute("datetime")
    due = datetime.fromisoformat(when)
    assert due - datetime.now(UTC) > timedelta(hours=12), f"scheduled too soon: {when}"
    expect(page.get_by_role("link", name="Review this in the lesson")).to_have_attribute(
        "href", re.compile(rf"/lessons/{slug}#p-{missed.key.anchor}$")
    )

    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_text("All caught up: no practice is due.")).to_be_visible()
    expect(page.locator("main time")).to_have_attribute("datetime", when)
    assert not page_problems(page), page_problems(page)


@pytest.mark.browser
def test_an_instructor_seeds_the_demo_and_follows_a_flag_from_the_statistics_to_the_editor(
    live_server: LiveServer, new_page
) -> None:
    slug = "impact-of-technology"  # a lesson no other journey takes: only demo learners there
    runner = live_server.app.test_cli_runner()
    seeded = runner.invoke(
        args=["demo", "seed", "--force", "--broken-lesson", slug]  # 300 learners
    )
    assert seeded.exit_code == 0, seeded.output
    wrong_key = re.search(r"Simulated wrong key: question (\S+)", seeded.output).group(1)
    try:
        page = new_page()
        log_in(page, live_server, INSTRUCTOR_EMAIL)
        page.goto(live_server(f"/instructor/lessons/{slug}/questions"))
        page.get_by_role("link", name="Quiz statistics").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Quiz statistics: "))
        expect(page.get_by_text("These are the demo class")).to_be_visible()
        page.get_by_text("The scores as a table").click()  # the histogram's text alternative
        expect(page.get_by_role("table", name="Attempts by score band")).to_be_visible()
        flags = page.get_by_role("list", name="What looks wrong with version 1").filter(
            has_text="possible wrong key"
        )
        expect(flags).to_have_count(1)
        assert not page_problems(page), page_problems(page)
        flags.get_by_role("link", name=f"Edit {wrong_key}").first.click()
        expect(page).to_have_url(live_server(f"/instructor/questions/{wrong_key}/edit"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # Back in the bank, the stored flags show as a badge on the question's row.
        page.goto(live_server(f"/instructor/lessons/{slug}/questions"))
        badge = page.locator(f"#{wrong_key} .badge--flag")
        expect(badge).to_have_text(re.compile(r"^\d+ flags? on "))
    finally:
        assert runner.invoke(args=["demo", "clear"]).exit_code == 0


def test_a_learner_who_forgot_the_password_gets_a_link_from_the_instructor_and_renames_themselves(
    live_server: LiveServer, new_page
) -> None:
    email = new_email("forgetful")
    learner = new_page()
    register(learner, live_server, email, name="Ada Forgetful")

    teacher = new_page()
    log_in(teacher, live_server, INSTRUCTOR_EMAIL)
    teacher.goto(live_server(f"/instructor/learners/{account_id(live_server, email)}"))
    teacher.get_by_role("button", name=re.compile(r"^Make a password-reset link")).click()
    link = teacher.get_by_label("Reset link").input_value()
    assert "/reset/" in link

    stranger = new_page()  # the learner, on another computer, logged out
    stranger.goto(link)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Set a new password")
    new_password = "a fresh and long passphrase"
    stranger.get_by_label("New password", exact=True).fill(new_password)
    stranger.get_by_label("Repeat the new password").fill(new_password)
    stranger.get_by_role("button", name="Set password").click()
    expect(stranger.get_by_role("status")).to_contain_text("Your new password is set")
    log_in(stranger, live_server, email, new_password)

    stranger.goto(link)  # used once: the link is gone
    expect(stranger.get_by_role("heading", level=1)).to_have_text("We could not find that page")

    stranger.goto(live_server("/account"))
    stranger.get_by_role("textbox", name="Your name").fill("Ada Remembered")
    stranger.get_by_role("button", name="Save name").click()
    expect(stranger.get_by_role("status")).to_contain_text("Your name is saved")
    teacher.goto(live_server("/instructor/gradebook"))
    expect(teacher.get_by_role("table").get_by_text("Ada Remembered")).to_be_visible()
