"""Deep linking, tool side: an LMS teacher picks the course, lessons or quizzes, and we answer
the platform with signed `ltiResourceLink` content items (a line item for each quiz, so the
LMS makes a gradebook column).

Contract with the launch (app/lti launch view, helper A)
--------------------------------------------------------
For a validated launch whose message type is `LtiDeepLinkingRequest`, the launch view, after
logging the LMS user in with a fresh session, calls

    deep_linking.remember(registration_id, claims)

with our `LtiRegistration.id` and the validated id_token's claims (the library's
`launch.get_launch_data()`, a plain dict), then redirects to `url_for("lti.deep_link")`.
That is all: `remember` reads what it needs from the claims and keeps, under
`session[SESSION_KEY]`, plain values only:

    {"registration": int, "deployment": str, "return_url": str, "data": <the `data` of
     the deep_linking_settings claim, or None>, "multiple": bool, "user": current_user id,
     "until": epoch seconds}

or, when the launch may not deep link, `{"refused": reason, "status": 403 | 400}` (not an
LMS instructor, administrator or content developer; the platform accepts no
`ltiResourceLink`; a return URL that is not http(s); a `data` claim over MAX_DATA
characters of JSON). The picker then answers with that status. The entry lasts LIFETIME
seconds, is good only for the user logged in when it was made, and is used once: the
signed answer removes it.

Score maximum: a quiz's line item has `scoreMaximum` 100. The grade that counts for a
learner (`lesson_grades.percent`) is a percentage, while a quiz's points change with its
draw and question versions; so scores go to the LMS as `scoreGiven` = percent out of 100.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.course.cache import CourseStructure
from app.extensions import db
from app.lti.models import LtiRegistration
from app.lti.targets import COURSE, LESSON, QUIZ, Target
from app.lti.tool import LinkItem, deep_linking_response_jwt
from app.security import CONTENT_SECURITY_POLICY

SESSION_KEY = "lti_deep_link"
LIFETIME = 3600
MAX_DATA = 2048  # characters of the `data` claim as JSON (it travels in the session cookie)
SCORE_MAXIMUM = 100.0
QUIZ_TAG = "quiz"
HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?")
LAUNCH_PATH = "/lti/launch"  # the launch endpoint (`lti.launch`) every resource link opens

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
RESOURCE_LINK = "ltiResourceLink"
# LMS roles that may place our content in a course (context or institution roles, full
# URIs or the short names LTI 1.3 allows). Sub-roles such as Instructor#TeachingAssistant
# end in their own name, so they do not count.
STAFF_ROLES = ("Instructor", "Administrator", "ContentDeveloper")


# --- what the launch leaves in the session ---------------------------------------------------


def remember(registration_id: int, claims: dict[str, Any]) -> None:
    """Keep what the picker needs of a deep-linking launch (see the contract above)."""
    session[SESSION_KEY] = _entry(registration_id, claims)


def _entry(registration_id: int, claims: dict[str, Any]) -> dict[str, Any]:
    settings = claims.get(DL + "deep_linking_settings")
    roles = claims.get(LTI + "roles")
    if not isinstance(roles, list) or not any(_is_staff(role) for role in roles):
        return {"refused": "Only a teacher of the LMS course can add content.", "status": 403}
    if not isinstance(settings, dict):
        return {"refused": "The LMS sent no deep-linking settings.", "status": 400}
    accepted = settings.get("accept_types")
    if not isinstance(accepted, list) or RESOURCE_LINK not in accepted:
        return {"refused": "The LMS does not accept links to activities here.", "status": 400}
    deployment = claims.get(LTI + "deployment_id")
    if not isinstance(deployment, str):
        return {"refused": "The LMS sent no deployment.", "status": 400}
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or _origin(return_url) is None:
        return {"refused": "The LMS sent no usable return address.", "status": 400}
    data = settings.get("data")
    if data is not None and len(json.dumps(data)) > MAX_DATA:
        return {"refused": "The LMS sent more deep-linking data than we keep.", "status": 400}
    return {
        "registration": registration_id,
        "deployment": deployment,
        "return_url": return_url,
        "data": data,
        "multiple": settings.get("accept_multiple") in (True, "true"),
        "user": current_user.get_id() if current_user.is_authenticated else None,
        "until": int(time.time()) + LIFETIME,
    }


def _is_staff(role: object) -> bool:
    if not isinstance(role, str):
        return False
    name = role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return name in STAFF_ROLES


def _origin(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    # The origin goes into a CSP header: a plain host (and port) only, no user info.
    if parts.scheme not in ("http", "https") or not HOST.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class DeepLinkRequest:
    registration_id: int
    deployment_id: str
    return_url: str
    data: object
    multiple: bool


def pending_request() -> DeepLinkRequest:
    """The session's deep-linking request for the logged-in user; else 403 (or its refusal)."""
    entry = session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        abort(403)
    if "refused" in entry:
        abort(entry.get("status", 403), description=entry["refused"])
    fresh = isinstance(entry.get("until"), int) and entry["until"] > time.time()
    same_user = current_user.is_authenticated and entry.get("user") == current_user.get_id()
    if not (fresh and same_user):
        abort(403)
    return DeepLinkRequest(
        entry["registration"],
        entry["deployment"],
        entry["return_url"],
        entry["data"],
        bool(entry["multiple"]),
    )


# --- the picker --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    target: str  # str(Target)
    label: str
    title: str  # the content item's title in the LMS


def choice_groups(course: CourseStructure) -> list[tuple[str, list[Choice]]]:
    """What may be linked: the course, then per module each lesson and its quiz (if it has one)."""
    groups = [("The whole course", [Choice(str(Target(COURSE)), course.title, course.title)])]
    for module in course.modules:
        choices = []
        for lesson in module.lessons:
            choices.append(
                Choice(str(Target(LESSON, lesson.slug)), f"Lesson: {lesson.title}", lesson.title)
            )
            if lesson.question_count:
                choices.append(
                    Choice(
                        str(Target(QUIZ, lesson.slug)),
                        f"Quiz: {lesson.title}",
                        f"Quiz: {lesson.title}",
                    )
                )
        if choices:
            groups.append((module.title, choices))
    return groups


def _once_each(form: FlaskForm, field: SelectMultipleField) -> None:
    if field.data and len(field.data) > len(field.choices):
        raise ValidationError("Choose each item at most once.")


class PickManyForm(FlaskForm):
    targets = SelectMultipleField(
        "What to add",
        validators=[DataRequired("Choose at least one item."), _once_each],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Continue")


class PickOneForm(FlaskForm):
    targets = RadioField("What to add", validators=[DataRequired("Choose an item.")])
    submit = SubmitField("Continue")


def picker_form(pending: DeepLinkRequest, groups: list[tuple[str, list[Choice]]]) -> FlaskForm:
    """Checkboxes when the platform accepts several items, radio buttons otherwise."""
    form = PickManyForm() if pending.multiple else PickOneForm()
    form.targets.choices = [(c.target, c.label) for _, choices in groups for c in choices]
    return form


def chosen(form: FlaskForm, groups: list[tuple[str, list[Choice]]]) -> list[Choice]:
    """The valid form's choices, in course order, each once."""
    picked = form.targets.data
    picked = set(picked) if isinstance(picked, list) else {picked}
    return [c for _, choices in groups for c in choices if c.target in picked]


# --- the signed answer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    return_url: str
    jwt: str
    titles: list[str]


def launch_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or (
        request.host_url.rstrip("/") + request.script_root
    )
    return base + LAUNCH_PATH


def link_item(choice: Choice, url: str) -> LinkItem:
    """The content item for a choice: our launch URL with its target; a line item for a quiz."""
    if not choice.target.startswith(QUIZ + ":"):
        return LinkItem(title=choice.title, url=url, custom={"target": choice.target})
    return LinkItem(
        title=choice.title,
        url=url,
        custom={"target": choice.target},
        score_maximum=SCORE_MAXIMUM,
        line_item_label=choice.title,
        resource_id=choice.target,
        tag=QUIZ_TAG,
    )


def answer(pending: DeepLinkRequest, choices: list[Choice]) -> Answer:
    """Sign the LtiDeepLinkingResponse for these choices; the request is used up."""
    registration = db.session.get(LtiRegistration, pending.registration_id)
    if registration is None:
        abort(403)
    url = launch_url()
    jwt = deep_linking_response_jwt(
        registration,
        pending.deployment_id,
        pending.data,
        [link_item(choice, url) for choice in choices],
    )
    session.pop(SESSION_KEY, None)
    return Answer(pending.return_url, jwt, [choice.title for choice in choices])


def allow_posting_to(response: Response, url: str) -> Response:
    """Let the page's form post to the platform (CSP form-action), nowhere else new."""
    origin = _origin(url)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )
    return response
