"""A failing view: its traceback in tests and debug, the friendly 500 page (and nothing
half-written) in production."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db as _db
from tests.support import new_user


@pytest.fixture
def failing_app(make_test_app):
    """Build apps with a view that writes half its work and then fails."""

    def build(**config):
        app = make_test_app(**config)

        @app.route("/boom")
        def boom():
            _db.session.add(new_user("half-written@example.com"))
            _db.session.flush()
            raise RuntimeError("boom")

        return app

    return build


def _users(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(User))


def test_in_tests_a_failing_view_raises_its_own_error(failing_app):
    app = failing_app()
    with app.app_context(), pytest.raises(RuntimeError, match="boom"):
        app.test_client().get("/boom")
    assert _users(app) == 0


def test_in_production_it_shows_the_friendly_page_and_rolls_back(failing_app):
    app = failing_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "Your saved work is safe" in response.get_data(as_text=True)
    assert _users(app) == 0


def test_an_http_error_still_gets_its_page_in_tests(client, course):
    response = client.get("/lessons/no-such-lesson")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)
