"""Migration 0004_render_once renders the texts already stored (SQLite, a fresh file)."""

from __future__ import annotations

import json

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.rendering import RENDER_VERSION


def test_the_migration_fills_the_stored_html_of_existing_rows(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"})
    with app.app_context():
        upgrade(revision="0002_text_format")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO courses (id, title, quiz_defaults) VALUES (1, 'C', '{}');"
            ))  # fmt: skip
            connection.execute(text(
                "INSERT INTO modules (id, slug, title, position) VALUES (1, 'm', 'M', 1)"
            ))  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO lessons (id, module_id, slug, title, position, body_md,"
                    " objectives, key_terms, summary, quiz_settings, edited_in_web)"
                    " VALUES (1, 1, 'l', 'L', 1, :body, :objectives, :terms, 'In *short*', '{}', 0)"
                ),
                {
                    "body": "Some **bold** <script>x</script>",
                    "objectives": json.dumps(["Know *this*"]),
                    "terms": json.dumps([{"term": "T", "definition": "A `d`"}]),
                },
            )
            connection.execute(text(
                "INSERT INTO questions (id, uid, lesson_id, status, origin, position,"
                " current_number, edited_in_web) VALUES (1, 'q', 1, 'active', 'file', 1, 1, 0)"
            ))  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO question_versions (id, question_id, number, type, title, prompt,"
                    " payload, points, general_feedback, created_at, text_format) VALUES (1, 1, 1,"
                    " 'single', '', 'Pick *one*', :payload, 1.0, 'Because', '2026-01-01', "
                    "'markdown')"
                ),
                {"payload": json.dumps({"choices": [
                    {"text": "*Yes*", "fraction": 1.0, "feedback": "Right"},
                    {"text": "No", "fraction": 0.0, "feedback": "Wrong"},
                ]})},
            )  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            lesson = connection.execute(text("SELECT * FROM lessons")).mappings().one()
            version = connection.execute(text("SELECT * FROM question_versions")).mappings().one()
            revision = connection.execute(text("SELECT content_revision FROM courses")).scalar()
        db.engine.dispose()
    assert "<strong>bold</strong>" in lesson["body_html"] and "<script>" not in lesson["body_html"]
    assert json.loads(lesson["objectives_html"]) == ["Know <em>this</em>"]
    assert json.loads(lesson["key_terms_html"]) == [{"term": "T", "definition": "A <code>d</code>"}]
    assert "<em>short</em>" in lesson["summary_html"]
    assert lesson["render_version"] == RENDER_VERSION
    rendered = json.loads(version["rendered"])
    assert rendered["inline"]["*Yes*"] == "<em>Yes</em>"
    assert rendered["block"]["Because"] == "<p>Because</p>\n"
    assert version["render_version"] == RENDER_VERSION and revision == 1
