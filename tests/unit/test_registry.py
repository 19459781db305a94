"""The one registry covers every question type the parsers produce."""

import pytest

from app.bank.grading import NotGradable
from app.bank.model import QUESTION_TYPES, SCORED_TYPES, QuestionData
from app.bank.registry import KINDS


def test_every_type_has_a_label_a_template_a_reader_and_a_grader():
    assert set(KINDS) == set(QUESTION_TYPES)
    for name, kind in KINDS.items():
        assert kind.label and kind.template.startswith("quizzes/types/_")
        assert kind.scored == (name in SCORED_TYPES)
        assert callable(kind.read_answer) and callable(kind.grader)


def test_essay_is_known_but_not_gradable():
    with pytest.raises(NotGradable):
        KINDS["essay"].grader(QuestionData(type="essay", prompt="Write."), "text")
