"""Deep linking, tool side: an LMS teacher picks the course, lessons or quizzes, and we answer
the platform with signed `ltiResourceLink` content items (a line item for each quiz, so the
LMS makes a gradebook column).

Contract with the launch (helper A's `lti.launch`)
--------------------------------------------------
A validated `LtiDeepLinkingRequest` launch by an LMS instructor has, as every launch:
- stored the id_token's claims in `lti_launch_values` under its launch id (the library's
  `save_launch_data`: key = the launch id, "lti1p3-launch-<uuid>"; value = the claims as
  JSON; `expires_at` = how long a teacher may take to pick);
- made or found the `LtiIdentity` (issuer, sub) of the user it logs in;
and then starts the fresh session with `session[LAUNCH_KEY] = launch_id` (a short string,
so it fits the session hand-off's `extra`) and redirects to `url_for("lti.deep_link")`.

From there this module reads only that: the stored claims of that launch id, which must
belong to the logged-in user (their identity) and still be live. It checks the claims
itself (LMS instructor, administrator or content developer; `ltiResourceLink` accepted; an
http(s) return URL; `data` at most MAX_DATA characters of JSON) and answers 403 or 400
otherwise. The signed answer uses the request up (the session key is removed).

Score maximum: a quiz's line item has `scoreMaximum` 100. The grade that counts for a
learner (`lesson_grades.percent`) is a percentage, while a quiz's points change with its
draw and question versions; so scores go to the LMS as `scoreGiven` = percent out of 100.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from flask import abort, session
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.course.cache import CourseStructure
from app.extensions import db
from app.lti.models import LtiIdentity, LtiRegistration
from app.lti.registrations import request_tool_urls
from app.lti.targets import COURSE, LESSON, QUIZ, Target
from app.lti.tool import LinkItem, deep_linking_response_jwt, find_registration
from app.lti.tool_launch import LaunchRefused, restore_launch
from app.security import allow_form_target

LAUNCH_KEY = "lti_deep_link_launch"  # the session key the launch sets (its launch id)
MAX_LAUNCH_ID = 255
MAX_DATA = 4096  # characters of the `data` claim as JSON (it goes back in a hidden field)
SCORE_MAXIMUM = 100.0
QUIZ_TAG = "quiz"
HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?")

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
RESOURCE_LINK = "ltiResourceLink"
# LMS roles that may place our content in a course (context or institution roles, full
# URIs or the short names LTI 1.3 allows). Sub-roles such as Instructor#TeachingAssistant
# end in their own name, so they do not count.
STAFF_ROLES = ("Instructor", "Administrator", "ContentDeveloper")


@dataclass(frozen=True)
class DeepLinkRequest:
    registration: LtiRegistration
    deployment_id: str
    return_url: str
    data: object
    multiple: bool


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- the launch the session names ------------------------------------------------------------


def pending_request() -> DeepLinkRequest:
    """The session's deep-linking request for the logged-in user; else 403 (or 400, and why)."""
    launch_id = session.get(LAUNCH_KEY)
    if not isinstance(launch_id, str) or not launch_id or len(launch_id) > MAX_LAUNCH_ID:
        abort(403)
    if not current_user.is_authenticated:
        abort(403)
    claims = _stored_claims(launch_id)
    if claims is None:
        abort(403)
    try:
        return request_from_claims(claims, current_user.id)
    except Refused as refusal:
        abort(refusal.status, description=refusal.reason)


def _stored_claims(launch_id: str) -> dict[str, Any] | None:
    """The launch's claims as the library stored them, while live (else None)."""
    try:
        claims = restore_launch(launch_id).get_launch_data()
    except LaunchRefused:
        return None
    return claims if isinstance(claims, dict) else None


def request_from_claims(claims: dict[str, Any], user_id: int) -> DeepLinkRequest:
    """What a deep-linking launch's claims ask of us, for the user they name; or Refused."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if claims.get(LTI + "message_type") != "LtiDeepLinkingRequest":
        raise Refused(403, "This launch was not a request to add content.")
    if not isinstance(issuer, str) or not isinstance(subject, str):
        raise Refused(403, "This launch named no LMS user.")
    owner = db.session.scalar(
        select(LtiIdentity.user_id).where(
            LtiIdentity.issuer == issuer, LtiIdentity.subject == subject
        )
    )
    if owner != user_id:
        raise Refused(403, "This request to add content belongs to someone else.")
    registration = find_registration(issuer, _client_id(claims))
    if registration is None:
        raise Refused(403, "The LMS of this request is no longer registered.")
    roles = claims.get(LTI + "roles")
    if not isinstance(roles, list) or not any(_is_staff(role) for role in roles):
        raise Refused(403, "Only a teacher of the LMS course can add content.")
    settings = claims.get(DL + "deep_linking_settings")
    if not isinstance(settings, dict):
        raise Refused(400, "The LMS sent no deep-linking settings.")
    accepted = settings.get("accept_types")
    if not isinstance(accepted, list) or RESOURCE_LINK not in accepted:
        raise Refused(400, "The LMS does not accept links to activities here.")
    deployment = claims.get(LTI + "deployment_id")
    if not isinstance(deployment, str):
        raise Refused(400, "The LMS sent no deployment.")
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or _origin(return_url) is None:
        raise Refused(400, "The LMS sent no usable return address.")
    data = settings.get("data")
    if data is not None and len(json.dumps(data)) > MAX_DATA:
        raise Refused(400, "The LMS sent more deep-linking data than we keep.")
    return DeepLinkRequest(
        registration,
        deployment,
        return_url,
        data,
        settings.get("accept_multiple") in (True, "true"),
    )


def _client_id(claims: dict[str, Any]) -> str | None:
    audience = claims.get("azp") or claims.get("aud")
    if isinstance(audience, list) and len(audience) == 1:
        audience = audience[0]
    return audience if isinstance(audience, str) else None


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
    """Our launch URL (the redirect URI every resource link opens), absolute."""
    return request_tool_urls().launch


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
    url = launch_url()
    jwt = deep_linking_response_jwt(
        pending.registration,
        pending.deployment_id,
        pending.data,
        [link_item(choice, url) for choice in choices],
    )
    session.pop(LAUNCH_KEY, None)
    return Answer(pending.return_url, jwt, [choice.title for choice in choices])


def allow_posting_to(url: str) -> None:
    """Let the answer page's form post to the platform (CSP form-action), nowhere else new."""
    origin = _origin(url)
    assert origin is not None  # request_from_claims refused any other return URL
    allow_form_target(origin)
