"""The app refuses to start outside debug and testing without a real SECRET_KEY."""

from __future__ import annotations

import pytest

from app import create_app
from app.security import InsecureSecretKey, secret_key_problem

GOOD_KEY = "k5Jx2p0VbN-9uQw7rT3yZs"


@pytest.fixture(autouse=True)
def _no_key_from_the_machine(monkeypatch, tmp_path):
    """Keep the developer's SECRET_KEY and instance/secret_key out of these tests."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))


def _production_app(**config):
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **config})


def test_no_key_stops_the_app_with_a_clear_message():
    with pytest.raises(InsecureSecretKey) as error:
        _production_app()
    message = str(error.value)
    assert "SECRET_KEY is not set" in message
    assert "python -m app.secretkey" in message


@pytest.mark.parametrize(
    "key",
    ["dev", "changeme", "CHANGEME", "secret", "your-secret-key", " development ", "change-me"],
)
def test_a_placeholder_key_stops_the_app(key):
    with pytest.raises(InsecureSecretKey, match="well-known placeholder"):
        _production_app(SECRET_KEY=key)


@pytest.mark.parametrize("key", ["x", "fifteen-chars!!", "   short-key    ", b"bytes-too-short"])
def test_a_short_key_stops_the_app(key):
    with pytest.raises(InsecureSecretKey, match="shorter than 16 characters"):
        _production_app(SECRET_KEY=key)


def test_a_key_from_the_environment_is_checked_too(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(InsecureSecretKey, match="placeholder"):
        _production_app()
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert _production_app().secret_key == GOOD_KEY


def test_the_instance_key_file_is_used(tmp_path):
    from app.config import ensure_secret_key_file

    path = ensure_secret_key_file(tmp_path / "instance")
    assert _production_app().secret_key == path.read_text(encoding="utf-8")


def test_a_real_key_starts_the_app():
    app = _production_app(SECRET_KEY=GOOD_KEY)
    assert app.secret_key == GOOD_KEY


@pytest.mark.parametrize("mode", [{"TESTING": True}, {"DEBUG": True}])
def test_tests_and_debugging_get_a_key_of_their_own(mode):
    app = _production_app(**mode)
    assert app.secret_key  # a fixed key that is fine only on a developer's machine
    assert _production_app(SECRET_KEY="dev", **mode).secret_key == "dev"


def test_problems_are_described():
    assert secret_key_problem(None) == "SECRET_KEY is not set."
    assert secret_key_problem("") == "SECRET_KEY is not set."
    assert secret_key_problem(GOOD_KEY) is None
    assert secret_key_problem(b"sixteen-bytes-ok") is None
