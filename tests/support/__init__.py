"""Helpers the suites share: build an app, make people, fill forms, count statements.

Tests import them from here (`from tests.support import make_user, log_in`); the
fixtures that use them live in `tests/conftest.py`.
"""

from tests.support.apps import FIXTURE_COURSE, empty_all_tables, make_app
from tests.support.forms import (
    csrf_token,
    post_form,
    quiz_fields,
    quiz_settings_form,
    start_quiz,
)
from tests.support.people import PASSWORD, log_in, make_user, new_user
from tests.support.queries import QueryCounter

__all__ = [
    "FIXTURE_COURSE",
    "PASSWORD",
    "QueryCounter",
    "csrf_token",
    "empty_all_tables",
    "log_in",
    "make_app",
    "make_user",
    "new_user",
    "post_form",
    "quiz_fields",
    "quiz_settings_form",
    "start_quiz",
]
