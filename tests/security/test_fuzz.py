"""Random and hostile input at every form, the quiz endpoints and the question parsers.

Whatever arrives: never a 500 or an unhandled exception, and nothing half-written —
a request that is refused (anything but the success redirect) leaves every table
exactly as it was, a failed submit leaves the attempt open with no scores.

The number of examples comes from the hypothesis profile (tests/conftest.py:
"ci" is fixed and repeatable, "dev" the default), the same for every test here.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth.models import User
from app.auth.services import clean_name, name_problem
from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift
from app.bank.model import QuestionData
from app.extensions import db as _db
from app.quizzes.models import Attempt
from tests.security.pages import Form, form_with, load_payloads
from tests.support import csrf_token, log_in, make_user, start_quiz

OK = {200, 302, 400, 409}

# --- hostile input ------------------------------------------------------------------------

_ODD = [
    "", " ", "\t", "\x00", "a\x00b", "\r\n", "\ufeff", "\u202e", "\u200b", "０", "٣", "-1", "0",
    "1e309", "NaN", "inf", "-0", "9" * 40, "1.5", "1,5", "%00", "%s%s%n", "{{7*7}}",
    "' OR '1'='1", "'; DROP TABLE users; --", "../../etc/passwd", "null", "undefined",
    "true", "false", "on", "y", "\\", "\\n", "::", "{", "}", "=", "~", "#", "//", "$CATEGORY:",
    "ANSWER: A", "A.", "{#a}", "🙂", "e\u0301", "ß", "İ",
]  # fmt: skip
_CHARS = st.characters(blacklist_categories=("Cs",))  # no lone surrogates: not encodable
HOSTILE = st.one_of(
    st.text(_CHARS, max_size=60),
    st.sampled_from(_ODD),
    st.sampled_from(load_payloads()),
    st.integers(min_value=0, max_value=12000).map(lambda n: "x" * n),
    st.lists(st.sampled_from(_ODD), min_size=2, max_size=6).map("".join),
    # Control and separator characters: what databases, terminals and parsers trip on.
    st.text(st.sampled_from("\x00\x01\x08\x0b\x1b\x7f\x85\u2028\u2029\ufffe x"), max_size=8),
)


def hostile_or(keep: str) -> st.SearchStrategy[str]:
    """Either the value a browser would send, or something hostile."""
    return st.one_of(st.just(keep), HOSTILE)


EXTRA_FIELDS = st.dictionaries(
    st.one_of(st.text(_CHARS, min_size=1, max_size=12), st.sampled_from(["q1", "seq", "id"])),
    HOSTILE,
    max_size=3,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused request wrote nothing."""
    _db.session.rollback()
    state = {}
    for table in _db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = _db.session.execute(select(table).order_by(*order)).all()
        state[table.name] = [tuple(repr(value) for value in row) for row in rows]
    _db.session.rollback()
    return state


def assert_unchanged(before: dict, what: str, ignoring: frozenset[str] = frozenset()) -> None:
    after = snapshot()
    changed = [name for name in before if before[name] != after[name] and name not in ignoring]
    assert not changed, f"{what} was refused but changed the table(s) {changed}"


def post(client: FlaskClient, url: str, data: Any, **kwargs: Any):
    response = client.post(url, data=data, **kwargs)
    assert response.status_code in OK, f"{response.status_code} from POST {url}"
    return response


# --- the parsers -------------------------------------------------------------------------

GIFT_LIKE = st.lists(
    st.one_of(HOSTILE, st.sampled_from(["::t::", "{", "}", "=a", "~b", "#f", "\n\n", "->"])),
    max_size=25,
).map("".join)


@given(text=st.one_of(GIFT_LIKE, st.text(_CHARS, max_size=400)))
def test_the_gift_parser_never_raises(text):
    for question in parse_gift(text):
        assert isinstance(question, QuestionData)
        assert all(isinstance(e, str) for e in question.errors + question.warnings)


@given(text=st.one_of(GIFT_LIKE, st.text(_CHARS, max_size=400)))
def test_the_aiken_parser_never_raises(text):
    for question in parse_aiken(text):
        assert isinstance(question, QuestionData)


# --- accounts ----------------------------------------------------------------------------

EMAILS = st.one_of(st.emails(), HOSTILE, st.just("learner@example.com"))


@pytest.fixture
def account(app):
    return make_user("learner@example.com")


@given(
    email=EMAILS,
    password=HOSTILE,
    confirm=st.one_of(st.none(), HOSTILE),
    name=st.one_of(st.just("Ada"), HOSTILE),
    extra=EXTRA_FIELDS,
)
def test_registration_survives_anything(app, account, email, password, confirm, name, extra):
    client = app.test_client()
    data = {
        **extra,
        "name": name,
        "email": email,
        "password": password,
        "confirm": password if confirm is None else confirm,
        "csrf_token": csrf_token(client, "/register"),
    }
    before = snapshot()
    response = post(client, "/register", data)
    if response.status_code != 302:
        assert_unchanged(before, "a registration")
        return
    user = _db.session.scalar(select(User).order_by(User.id.desc()).limit(1))
    assert len(password) >= 12 and password.strip().lower() != user.email
    assert user.email == user.email.strip().lower() and user.email != "learner@example.com"
    assert name_problem(user.name) is None and user.name == clean_name(name)


@given(email=EMAILS, password=HOSTILE, extra=EXTRA_FIELDS)
def test_log_in_survives_anything(app, account, email, password, extra):
    client = app.test_client()
    data = {**extra, "email": email, "password": password, "csrf_token": csrf_token(client)}
    before = snapshot()
    response = post(client, "/login", data)
    assert response.status_code in (200, 400)  # never in with a wrong password
    assert_unchanged(before, "a log-in")


# --- the instructor's forms --------------------------------------------------------------


# One question of each type, imported once per test: their edit forms come prefilled and
# valid, so a single hostile field is likely to get past validation and reach the database.
TYPED_GIFT = """
// [id:fz-single]
::single::Pick one{=right ~wrong}

// [id:fz-multi]
::multi::Pick two{~%50%a ~%50%b ~%-100%c}

// [id:fz-truefalse]
::truefalse::True?{T}

// [id:fz-short]
::short::Say it{=word}

// [id:fz-numerical]
::numerical::How many?{#3:1}

// [id:fz-matching]
::matching::Match them{=a -> 1 =b -> 2 =c -> 3}
"""
TYPES = ("single", "multi", "truefalse", "short", "numerical", "matching")


@pytest.fixture
def instructor(app, course) -> FlaskClient:
    make_user("teacher@example.com", role="instructor")
    client = app.test_client()
    log_in(client, "teacher@example.com")
    url = "/instructor/lessons/first-lesson/import"
    upload = {
        "csrf_token": csrf_token(client, url),
        "format": "gift",
        "file": (io.BytesIO(TYPED_GIFT.encode()), "typed.gift"),
    }
    preview = client.post(url, data=upload, content_type="multipart/form-data")
    assert preview.status_code == 302
    location = preview.headers["Location"]
    assert client.post(location, data={"csrf_token": csrf_token(client, location)}).status_code
    return client


@st.composite
def filled_form(draw, form: Form) -> dict[str, Any]:
    """Fill a form as a browser would, then make one or many fields hostile, add stray ones.

    What is drawn never depends on the form's shape (which changes as examples save),
    so hypothesis can replay and shrink a failure.
    """
    mode = draw(st.sampled_from(["one", "append", "many"]))
    pick = draw(st.integers(min_value=0, max_value=10_000))
    replacements = draw(st.lists(st.one_of(st.none(), HOSTILE), min_size=24, max_size=24))
    single = draw(HOSTILE)
    extra = draw(EXTRA_FIELDS)
    data = form.data()
    names = sorted(
        {f.name for f in form.fields if f.kind not in ("submit", "button", "file")} - {"csrf_token"}
    )
    if names and mode == "one":
        data[names[pick % len(names)]] = single  # one hostile field, the rest as shown
    elif names and mode == "append":
        name = names[pick % len(names)]  # a valid value with something hostile inside
        data[name] = f"{data.get(name, '')}{single}{data.get(name, '')}"
    else:
        for index, name in enumerate(names):
            if replacements[index % len(replacements)] is not None:
                data[name] = replacements[index % len(replacements)]
    data.update({k: v for k, v in extra.items() if k != "csrf_token"})
    buttons = [f for f in form.fields if f.kind == "submit"]
    if buttons and pick % (len(buttons) + 1):
        button = buttons[pick % (len(buttons) + 1) - 1]
        data[button.name] = button.value
    return data


def _fuzz_form(client: FlaskClient, url: str, field: str, data) -> None:
    page = client.get(url)
    if page.status_code != 200:  # e.g. a type the form cannot author
        assert page.status_code in (302, 400, 404), f"{page.status_code} from GET {url}"
        return
    values = data.draw(filled_form(form_with(page.get_data(as_text=True), field)))
    before = snapshot()
    response = post(client, url, values)
    if response.status_code != 302:
        assert_unchanged(before, f"POST {url}")
    after = client.get(response.headers.get("Location", url))
    assert after.status_code in (200, 302), f"{after.status_code} after POST {url}"


@given(data=st.data())
def test_the_new_question_form_survives_anything(instructor, data):
    kind = data.draw(st.sampled_from([*TYPES, "essay", "nonsense"]))
    _fuzz_form(
        instructor, f"/instructor/lessons/first-lesson/questions/new?type={kind}", "prompt", data
    )


@given(data=st.data())
def test_the_question_edit_form_survives_anything(instructor, data):
    kind = data.draw(st.sampled_from(TYPES))
    _fuzz_form(instructor, f"/instructor/questions/fz-{kind}/edit", "prompt", data)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/instructor/lessons/first-lesson/edit", "body_md"),
        ("/instructor/lessons/first-lesson/settings", "pass_mark"),
    ],
)
@given(data=st.data())
def test_the_lesson_forms_survive_anything(instructor, url, field, data):
    _fuzz_form(instructor, url, field, data)


def _a_platform() -> int:
    """A registered LMS platform (made on first use), so its edit form comes prefilled."""
    from app.database import unit_of_work
    from app.lti.models import LtiRegistration
    from app.lti.registrations import create_registration
    from tests.unit.test_lti_registration_rules import MOODLE

    found = _db.session.scalar(select(LtiRegistration.id).order_by(LtiRegistration.id).limit(1))
    _db.session.rollback()
    if found is None:
        with unit_of_work():
            found = create_registration(MOODLE, created_by_id=None).id
    return found


@pytest.mark.parametrize("page", ["new", "edit"])
@given(data=st.data())
def test_the_lms_registration_forms_survive_anything(instructor, page, data):
    url = "/instructor/lti" if page == "new" else f"/instructor/lti/{_a_platform()}/edit"
    _fuzz_form(instructor, url, "issuer", data)


@given(query=st.dictionaries(st.sampled_from(["q", "type", "difficulty", "status"]), HOSTILE))
def test_the_bank_search_survives_anything(instructor, query):
    for url in ("/instructor/questions", "/instructor/lessons/first-lesson/questions"):
        response = instructor.get(url, query_string=query)
        assert response.status_code in (200, 400), f"{response.status_code} from {url}"


WAITING = frozenset({"import_previews"})  # an upload waits there for its confirmation


@given(
    fmt=st.sampled_from(["gift", "aiken", "csv", ""]),
    text=st.one_of(GIFT_LIKE, HOSTILE),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_the_import_survives_anything(instructor, fmt, text, encoding):
    url = "/instructor/lessons/first-lesson/import"
    raw = text.encode(encoding, errors="replace")
    data = {
        "csrf_token": csrf_token(instructor, url),
        "format": fmt,
        "file": (io.BytesIO(raw), "upload.txt"),
    }
    before = snapshot()
    response = post(instructor, url, data, content_type="multipart/form-data")
    if response.status_code != 302:
        assert_unchanged(before, "a refused upload")
        return
    # Nothing but the waiting upload is stored before the confirmation.
    assert_unchanged(before, "an upload", ignoring=WAITING)
    preview_url = response.headers["Location"]
    assert instructor.get(preview_url).status_code == 200
    count = _question_count()
    confirm = post(instructor, preview_url, {"csrf_token": csrf_token(instructor, preview_url)})
    if confirm.status_code != 302:
        assert_unchanged(before, "a refused import", ignoring=WAITING)  # all or nothing
    else:
        assert _question_count() > count


def _question_count() -> int:
    from sqlalchemy import func

    from app.bank.models import Question

    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(Question))


# --- the quiz endpoints ------------------------------------------------------------------


@pytest.fixture
def quiz_taker(app, course) -> FlaskClient:
    make_user("learner@example.com")
    client = app.test_client()
    log_in(client, "learner@example.com")
    return client


ANSWER_VALUES = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "", "true", "false", "-1", "99999", "1.5", "nan"]),
    HOSTILE,
)
QUIZ_FIELDS = st.dictionaries(
    st.one_of(
        st.sampled_from(["q1", "q2", "q3", "q4", "q1-r0", "q2-r1", "q3-r0", "q0", "q99", "seq"]),
        st.text(_CHARS, min_size=1, max_size=8),
    ),
    st.one_of(ANSWER_VALUES, st.lists(ANSWER_VALUES, min_size=2, max_size=4)),
    max_size=8,
)


def _open_attempt(client: FlaskClient) -> tuple[str, Attempt]:
    url = start_quiz(client, "first-lesson")  # the open attempt, or a new one
    _db.session.rollback()
    attempt = _db.session.get(Attempt, int(url.rsplit("/", 1)[-1]))
    assert attempt.is_open
    return url, attempt


def _quiz_form(client: FlaskClient, url: str, data) -> dict[str, Any]:
    form = form_with(client.get(url).get_data(as_text=True), "seq")
    values = form.data()
    if data.draw(st.booleans()):
        values.pop("seq")
    values.update({k: v for k, v in data.draw(QUIZ_FIELDS).items() if k != "csrf_token"})
    return values


def _assert_unscored(attempt_id: int) -> None:
    _db.session.rollback()
    attempt = _db.session.get(Attempt, attempt_id)
    assert attempt.is_open and attempt.score is None
    assert all(r.fraction is None and r.points is None for r in attempt.responses)


@given(data=st.data())
def test_quiz_submit_survives_anything(quiz_taker, data):
    url, attempt = _open_attempt(quiz_taker)
    values = _quiz_form(quiz_taker, url, data)
    before = snapshot()
    response = quiz_taker.post(url + "/submit", data=values)
    assert response.status_code in (302, 400), response.status_code
    _db.session.rollback()
    attempt = _db.session.get(Attempt, attempt.id)
    if response.status_code == 400 or attempt.is_open:
        assert_unchanged(before, "a submit")
        _assert_unscored(attempt.id)
    else:
        assert attempt.score is not None and 0 <= attempt.score <= attempt.max_score
        assert all(r.fraction is not None for r in attempt.responses)
        assert quiz_taker.get(url + "/result").status_code == 200


@given(data=st.data())
def test_quiz_save_survives_anything(quiz_taker, data):
    url, attempt = _open_attempt(quiz_taker)
    values = _quiz_form(quiz_taker, url, data)
    json = data.draw(st.booleans())
    headers = {"Accept": "application/json"} if json else {}
    before = snapshot()
    response = quiz_taker.post(url + "/save", data=values, headers=headers)
    assert response.status_code in (200, 302, 400, 409), response.status_code
    if response.status_code in (400, 409):
        assert_unchanged(before, "a save")
    _assert_unscored(attempt.id)  # a save never grades
    assert quiz_taker.get(url).status_code == 200


# --- U+0000, which PostgreSQL cannot store (found by the fuzzing above) -------------------


def test_a_nul_character_is_refused_everywhere_before_anything_is_written(instructor, app):
    from app.security import NUL_REFUSED

    before = snapshot()
    url = "/instructor/questions/fz-single/edit"
    form = form_with(instructor.get(url).get_data(as_text=True), "prompt")
    cases = [
        (instructor, url, form.data({"prompt": "a \x00 b"}, submit="submit")),
        (instructor, url, form.data({"title": "\x00"}, submit="preview")),
        (app.test_client(), "/register", {"email": "a@example.com", "password": "\x00" * 12}),
        (app.test_client(), "/login", {"email": "a@example.com", "password": "\x00"}),
    ]
    for client, target, values in cases:
        token = csrf_token(client, "/" if client is instructor else "/login")
        response = client.post(target, data={**values, "csrf_token": token})
        assert response.status_code == 400, target
        assert NUL_REFUSED in response.get_data(as_text=True)
    search = instructor.get("/instructor/questions", query_string={"q": "x\x00"})
    assert search.status_code == 400
    assert_unchanged(before, "input with U+0000")


# --- every URL rule with an argument ------------------------------------------------------

# What an attacker (or a mistyped link) puts where the app expects an id, a slug or a token:
# numbers past PostgreSQL's integer and SQLite's 64 bits, zero, signs, non-ASCII digits, U+0000,
# very long strings and unicode. Each is refused as "no such page", never a 500.
PATH_VALUES = [
    "0",
    "-1",
    "+1",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "9" * 5000,
    "1.5",
    "٣",
    "１",
    "x\x00",
    "\x00",
    "x" * 5000,
    "🙂",
    "e\u0301",
    "İß",
    "' OR '1'='1",
    "..",
]
VALID_ARGUMENT = {"slug": "first-lesson", "attempt_id": "1", "uid": "fz-single", "filename": "x"}


def _rules_with_arguments(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.arguments]


def _url(rule, hostile: str, value: str) -> str:
    """Write the rule's path with `value` (percent-encoded) in argument `hostile`."""
    from urllib.parse import quote

    path = rule.rule
    for name in rule.arguments:
        filled = quote(value if name == hostile else VALID_ARGUMENT.get(name, "x"), safe="")
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", filled, path)
    return path


@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor"])
def test_every_url_with_a_hostile_argument_answers_without_a_500(app, course, role):
    make_user("learner@example.com")
    make_user("teacher@example.com", role="instructor")
    client = app.test_client()
    if role != "anonymous":
        log_in(client, f"{'teacher' if role == 'instructor' else 'learner'}@example.com")
    token = csrf_token(client, "/login" if role == "anonymous" else "/")
    start_quiz(client, "first-lesson") if role == "learner" else None
    before = snapshot()
    for rule in _rules_with_arguments(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for argument in rule.arguments:
                for value in PATH_VALUES:
                    url = _url(rule, argument, value)
                    data = {"csrf_token": token} if method == "POST" else None
                    response = client.open(url, method=method, data=data)
                    assert response.status_code < 500, f"{response.status_code}: {method} {url!r}"
    assert_unchanged(before, "hostile URLs")


def test_every_number_in_a_path_is_a_bounded_id(app):
    from werkzeug.routing.converters import NumberConverter

    from app.routing import IdConverter

    numeric = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, NumberConverter) and not isinstance(converter, IdConverter)
    ]
    assert numeric == [], "use <id:…>, bounded to 1 … 2³¹−1, for every number in a path"


@pytest.mark.parametrize(
    "path", ["/attempts/0", "/attempts/2147483648", "/attempts/9223372036854775808", "/attempts/٣"]
)
def test_an_id_out_of_range_is_not_found(quiz_taker, path):
    assert quiz_taker.get(path).status_code == 404
    assert quiz_taker.get(path + "/result").status_code == 404


def test_a_nul_character_in_the_path_is_not_found(quiz_taker):
    assert quiz_taker.get("/lessons/x%00").status_code == 404
    assert quiz_taker.get("/instructor/questions/%00/edit").status_code == 404
