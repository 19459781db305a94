"""The one registry: every question type has every part, and its parts agree with each other."""

from __future__ import annotations

import inspect
import json

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from app import create_app
from app.bank.gift import parse_gift, write_gift
from app.bank.grading import NotGradable
from app.bank.model import QUESTION_TYPES, SCORED_TYPES, QuestionData
from app.bank.types import (
    AUTHORED_TYPES,
    TYPES,
    answer_text,
    from_stored,
    grade,
    payload,
    question_type,
)
from app.bank.types.base import NO_ANSWER, QuestionType
from app.bank.types.forms import QuestionForm

# One question of each type, as an instructor could write it.
SAMPLES = {
    "single": "Capital of France?{=Paris#Yes. ~Lyon#No. ~%25%Marseille#Close.}",
    "multi": "Primes?{~%50%2#Prime. ~%50%3#Prime too. ~%-100%4#Not prime.}",
    "truefalse": "The sky is blue.{T#Look again.#Yes.}",
    "short": "Best animal?{=Frog#Good! =%50%Cat#Meh.}",
    "numerical": "Pi?{#=3.14:0.01#Good. =%50%3:0.5#Rough. ~#Not even close.}",
    "matching": "Capitals{=Canada -> Ottawa =Italy -> Rome = -> Paris}",
    "description": "Read this first.",
    "essay": "Discuss the role of attachés.{}",
}


def sample(name: str) -> QuestionData:
    (question,) = parse_gift(SAMPLES[name])
    assert question.type == name and not question.errors, question.errors
    return question


@pytest.fixture(scope="module")
def flask_app() -> Flask:
    """An app for its template environment and request contexts (no database is used)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_registry_has_one_entry_per_type_name_each_from_its_own_module():
    assert list(TYPES) == list(QUESTION_TYPES)
    for name, kind in TYPES.items():
        assert isinstance(kind, QuestionType) and kind.name == name
        assert inspect.getmodule(kind.grade).__name__ == f"app.bank.types.{name}"
        assert question_type(name) is kind
    with pytest.raises(KeyError):
        question_type("no-such-type")


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_every_type_has_every_part(name, flask_app):
    kind = TYPES[name]
    assert kind.label
    assert kind.scored == (name in SCORED_TYPES)
    for part in (
        kind.store,
        kind.load,
        kind.read_answer,
        kind.grade,
        kind.write_gift,
        kind.answer_text,
        kind.correct_answer_text,
        kind.display_order,
    ):
        assert callable(part), part
    assert isinstance(kind.lint_rules, tuple)
    assert all(callable(rule) for rule in kind.lint_rules)
    assert issubclass(kind.form, QuestionForm) and kind.form.kind == name
    assert kind.template.startswith("quizzes/types/_")
    with flask_app.app_context():
        module = flask_app.jinja_env.get_template(kind.template).module
    assert callable(module.take) and callable(module.authoring), kind.template
    assert (kind.add_label is not None) == (name in AUTHORED_TYPES)


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_what_a_type_stores_it_reads_back(name):
    question = sample(name)
    stored = from_stored(name, question.prompt, payload(question))
    assert payload(stored) == payload(question)
    assert stored.answer_count == question.answer_count
    assert json.loads(json.dumps(payload(question))) == payload(question)  # JSON-able


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_the_gift_writer_and_reader_agree(name):
    question = sample(name)
    (back,) = parse_gift(write_gift([question]))
    assert (back.type, back.prompt, payload(back)) == (name, question.prompt, payload(question))


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_the_authoring_form_fills_a_question_as_it_was_stored(name, flask_app):
    from app.instructor.authoring import question_data, question_form

    question = sample(name)
    with flask_app.test_request_context():
        form = question_form(name, anchors=[], data=question)
        back = question_data(form)
    assert (back.type, back.prompt, payload(back)) == (name, question.prompt, payload(question))


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_an_empty_form_reads_as_no_answer(name):
    question = sample(name)
    kind = TYPES[name]
    order = kind.display_order(question, False, None)
    assert kind.read_answer(MultiDict(), "q1", question, order) is None
    assert answer_text(question, None) == NO_ANSWER


def test_scored_types_give_full_marks_for_their_key_and_nothing_for_no_answer():
    right = {
        "single": 0,
        "multi": [0, 1],
        "truefalse": True,
        "short": "frog",
        "numerical": 3.141,
        "matching": [0, 1],
    }
    assert set(right) == set(SCORED_TYPES)
    for name, answer in right.items():
        assert grade(sample(name), answer).fraction == 1.0, name
        assert grade(sample(name), None).fraction == 0.0, name


def test_essay_is_known_but_not_gradable():
    with pytest.raises(NotGradable):
        TYPES["essay"].grade(QuestionData(type="essay", prompt="Write."), "text")
