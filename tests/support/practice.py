"""Miss a quiz's questions and answer practice cards, as a learner's browser would."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask.testing import FlaskClient

from app.extensions import db
from app.practice import services
from tests.support.answers import form_answers
from tests.support.forms import quiz_fields, start_quiz

PRACTICE_FORM = re.compile(r'action="/practice/questions/(\d+)"')
REVIEWS_FIELD = re.compile(r'name="reviews" value="(\d+)"')


def miss_quiz(client: FlaskClient, slug: str) -> str:
    """Take a lesson's quiz and submit it unanswered (every question missed); return its URL."""
    quiz = start_quiz(client, slug)
    assert client.post(quiz + "/submit", data=quiz_fields(client, quiz)).status_code == 302
    return quiz


def shown_card(client: FlaskClient) -> tuple[int, dict[str, str]]:
    """Open the practice page; return the due question's id and its form's hidden fields."""
    page = client.get("/practice").get_data(as_text=True)
    question = PRACTICE_FORM.search(page)
    assert question, "no practice question is due"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    fields = {"reviews": REVIEWS_FIELD.search(page).group(1), "csrf_token": token.group(1)}
    return int(question.group(1)), fields


def practice_answer(user_id: int, question_id: int, right: bool) -> dict[str, list[str]]:
    """Return the practice form's answer fields for the card as it is shown now."""
    card = services.deck_card(user_id, question_id)
    assert card is not None, "the question is not in the learner's deck"
    order = services.choice_order(user_id, card, shuffle=True)  # the fixture course shuffles
    db.session.rollback()  # leave no transaction open for the app's next request
    response = SimpleNamespace(version=card.version, choice_order=order, position=1)
    return form_answers(SimpleNamespace(responses=[response]), right)  # type: ignore[arg-type]


def answer_card(client: FlaskClient, user_id: int, right: bool):
    """Answer the practice page's question right or wrong; return the POST's response."""
    question_id, fields = shown_card(client)
    answer = practice_answer(user_id, question_id, right)
    return client.post(f"/practice/questions/{question_id}", data={**fields, **answer})
