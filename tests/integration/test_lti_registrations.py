"""An instructor connects the school's LMS: the registrations service and the page.

The school's Moodle is registered on /instructor/lti (or with `flask lti register`,
tests/cli/test_lti_commands.py); the page shows what to enter in the LMS, lists the
platforms, and edits and deletes them. Every refusal is a field error, nothing stored.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.database import unit_of_work
from app.extensions import db
from app.lti import registrations
from app.lti.models import LtiDeployment, LtiIdentity, LtiRegistration, LtiToolKey
from app.lti.registrations import RegistrationData, RegistrationError, RegistrationInUse
from tests.support import csrf_token, log_in, make_user
from tests.unit.test_lti_registration_rules import MOODLE

PAGE = "/instructor/lti"


def _create(data: RegistrationData = MOODLE, by: int | None = None) -> int:
    with unit_of_work():
        return registrations.create_registration(data, created_by_id=by).id


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _launched_through(registration_id: int, email: str = "ada@example.com") -> None:
    """A learner who has launched the course from this platform."""
    user = make_user(email)
    db.session.add(
        LtiIdentity(issuer=MOODLE.issuer, subject=email, registration_id=registration_id,
                    user_id=user.id)
    )  # fmt: skip
    db.session.commit()


# --- the service ---------------------------------------------------------------------


def test_the_first_registration_makes_the_tools_key_and_later_ones_reuse_it(app):
    assert _count(LtiToolKey) == 0
    first = _create()
    assert _count(LtiToolKey) == 1
    _create(replace(MOODLE, client_id="another-client", deployment_ids=("1", "2")))
    assert _count(LtiToolKey) == 1
    row = db.session.get(LtiRegistration, first)
    assert (row.issuer, row.client_id, row.created_by_id) == (MOODLE.issuer, "aBcD1234", None)
    assert [d.deployment_id for d in row.deployments] == ["1"]


def test_the_same_issuer_and_client_id_twice_is_refused_and_the_unit_of_work_goes_on(app):
    _create()
    with unit_of_work():
        with pytest.raises(RegistrationError) as refused:
            registrations.create_registration(replace(MOODLE, name="Again"), created_by_id=None)
        # The savepoint undid only the refused row: this unit of work still stores.
        registrations.create_registration(replace(MOODLE, client_id="other"), None)
    assert "already has a registration" in refused.value.problems["client_id"]
    assert _count(LtiRegistration) == 2 and _count(LtiDeployment) == 2


def test_bad_data_stores_nothing(app):
    with pytest.raises(RegistrationError) as refused:
        _create(replace(MOODLE, key_set_url="http://moodle.school.edu/certs.php"))
    assert list(refused.value.problems) == ["key_set_url"]
    assert _count(LtiRegistration) == 0 and _count(LtiToolKey) == 0


def test_an_update_keeps_the_deployments_still_listed_and_changes_the_rest(app):
    registration_id = _create(replace(MOODLE, deployment_ids=("1", "2")))
    kept = db.session.scalar(select(LtiDeployment.id).where(LtiDeployment.deployment_id == "1"))
    db.session.rollback()
    with unit_of_work():
        row = db.session.get(LtiRegistration, registration_id)
        registrations.update_registration(
            row, replace(MOODLE, name="Moodle 4.5", deployment_ids=("3", "1"), frame_origin="")
        )
    row = db.session.get(LtiRegistration, registration_id)
    assert row.name == "Moodle 4.5"
    assert sorted(d.deployment_id for d in row.deployments) == ["1", "3"]
    assert kept in {d.id for d in row.deployments}


def test_an_update_onto_another_registrations_pair_is_refused(app):
    _create()
    other = _create(replace(MOODLE, client_id="other"))
    with pytest.raises(RegistrationError) as refused, unit_of_work():
        row = db.session.get(LtiRegistration, other)
        registrations.update_registration(row, MOODLE)
    assert "client_id" in refused.value.problems
    assert db.session.get(LtiRegistration, other).client_id == "other"


def test_a_registration_nobody_launched_through_is_deleted_with_its_deployments(app):
    registration_id = _create(replace(MOODLE, deployment_ids=("1", "2")))
    with unit_of_work():
        registrations.delete_registration(db.session.get(LtiRegistration, registration_id))
    assert _count(LtiRegistration) == 0 and _count(LtiDeployment) == 0


def test_a_registration_people_launched_through_is_not_deleted(app):
    registration_id = _create()
    _launched_through(registration_id)
    with pytest.raises(RegistrationInUse, match="launched"), unit_of_work():
        registrations.delete_registration(db.session.get(LtiRegistration, registration_id))
    assert _count(LtiRegistration) == 1 and _count(LtiDeployment) == 1


def test_the_page_builds_the_paths_the_lti_views_serve(app):
    """The command line prints the path constants; the page asks url_for. They agree."""
    with app.test_request_context():
        for endpoint, path in registrations.TOOL_PATHS.items():
            if endpoint in app.view_functions:
                assert registrations.url_for(endpoint) == path
        assert "lti.jwks" in app.view_functions  # at least one is checked for real


# --- the page ------------------------------------------------------------------------


def _form(**changes: str) -> dict[str, str]:
    values = {
        "name": MOODLE.name, "issuer": MOODLE.issuer, "client_id": MOODLE.client_id,
        "auth_login_url": MOODLE.auth_login_url, "auth_token_url": MOODLE.auth_token_url,
        "key_set_url": MOODLE.key_set_url, "deployment_ids": "1\r\n2\r\n", "frame_origin": "",
    }  # fmt: skip
    return {**values, **changes}


def _post(client, path: str, data: dict[str, str], token_from: str = PAGE):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


@pytest.fixture
def teacher(app):
    user = make_user("teacher@example.com", role="instructor", name="Grace Teacher")
    client = app.test_client()
    log_in(client, "teacher@example.com")
    client.user_id = user.id
    return client


def test_the_page_shows_what_to_enter_in_the_lms(teacher):
    page = teacher.get(PAGE).get_data(as_text=True)
    assert "What to enter in your LMS" in page
    for url in ("http://localhost/lti/login", "http://localhost/lti/launch",
                "http://localhost/lti/jwks"):  # fmt: skip
        assert f'value="{url}"' in page
    assert "No platform yet" in page


def test_the_urls_follow_public_base_url(make_test_app, course):
    app = make_test_app(PUBLIC_BASE_URL="https://quiz.example.edu")
    make_user("teacher@example.com", role="instructor")
    client = app.test_client()
    log_in(client, "teacher@example.com")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="https://quiz.example.edu/lti/login"' in page
    assert 'value="https://quiz.example.edu/lti/jwks"' in page
    assert "localhost/lti" not in page


def test_an_instructor_adds_the_schools_moodle_and_sees_it_listed(teacher):
    response = _post(teacher, PAGE, _form())
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    row = db.session.scalar(select(LtiRegistration))
    assert row.created_by_id == teacher.user_id
    assert [d.deployment_id for d in row.deployments] == ["1", "2"]
    page = teacher.get(PAGE).get_data(as_text=True)
    assert "School Moodle" in page and "saved" in page
    assert "Grace Teacher" in page and "1, 2" in page


def test_mistakes_come_back_as_field_errors_and_nothing_is_stored(teacher):
    response = _post(
        teacher, PAGE,
        _form(issuer="moodle.school.edu", key_set_url="http://moodle.school.edu/certs.php",
              deployment_ids="7\n7", frame_origin="https://canvas.school.edu/courses"),
    )  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Please correct 4 fields" in page
    for field in ("issuer", "key_set_url", "deployment_ids", "frame_origin"):
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page
        ), field
        assert f'id="{field}-error"' in page
    assert "must use https://" in page and "given twice" in page
    assert 'value="School Moodle"' in page  # what was typed stays
    assert _count(LtiRegistration) == 0


def test_the_same_platform_twice_is_a_client_id_error(teacher):
    _post(teacher, PAGE, _form())
    response = _post(teacher, PAGE, _form(name="Again"))
    assert response.status_code == 200
    assert 'id="client_id-error"' in response.get_data(as_text=True)
    assert _count(LtiRegistration) == 1


def test_an_instructor_edits_a_platform(teacher):
    registration_id = _create()
    edit = f"{PAGE}/{registration_id}/edit"
    page = teacher.get(edit).get_data(as_text=True)
    assert 'value="School Moodle"' in page
    assert re.search(r'<textarea[^>]*id="deployment_ids"[^>]*>\s*1</textarea>', page)
    bad = _post(teacher, edit, _form(client_id=" "), token_from=edit)
    assert bad.status_code == 200 and 'id="client_id-error"' in bad.get_data(as_text=True)
    good = _post(teacher, edit, _form(name="Moodle 4.5", deployment_ids="2"), token_from=edit)
    assert good.status_code == 302
    row = db.session.get(LtiRegistration, registration_id)
    assert row.name == "Moodle 4.5" and [d.deployment_id for d in row.deployments] == ["2"]
    assert row.created_by_id is None  # registered from the command line; editing keeps that


def test_an_instructor_deletes_a_platform_but_not_one_in_use(teacher):
    unused, used = _create(), _create(replace(MOODLE, client_id="used", name="Used LMS"))
    _launched_through(used)
    assert _post(teacher, f"{PAGE}/{unused}/delete", {}).status_code == 302
    assert "Platform “School Moodle” deleted." in teacher.get(PAGE).get_data(as_text=True)
    assert _post(teacher, f"{PAGE}/{used}/delete", {}).status_code == 302
    assert "“Used LMS” cannot be deleted" in teacher.get(PAGE).get_data(as_text=True)
    assert [r.id for r in db.session.scalars(select(LtiRegistration))] == [used]


def test_a_missing_platform_is_404(teacher):
    assert teacher.get(f"{PAGE}/999/edit").status_code == 404
    assert _post(teacher, f"{PAGE}/999/delete", {}).status_code == 404


def test_learners_are_refused_and_visitors_sent_to_log_in(app, client, learner):
    registration_id = _create()
    token = csrf_token(client, "/")
    for path in (PAGE, f"{PAGE}/{registration_id}/edit"):
        assert client.get(path).status_code == 403
    for path in (PAGE, f"{PAGE}/{registration_id}/edit", f"{PAGE}/{registration_id}/delete"):
        assert client.post(path, data={**_form(), "csrf_token": token}).status_code == 403
    visitor = app.test_client()
    assert visitor.get(PAGE).headers["Location"].startswith("/login")
    assert _count(LtiRegistration) == 1


def test_a_post_without_its_csrf_token_is_refused(teacher):
    registration_id = _create()
    assert teacher.post(PAGE, data=_form()).status_code == 400
    assert teacher.post(f"{PAGE}/{registration_id}/delete").status_code == 400
    assert teacher.post(f"{PAGE}/{registration_id}/edit", data=_form(name="X")).status_code == 400
    assert _count(LtiRegistration) == 1
    assert db.session.get(LtiRegistration, registration_id).name == "School Moodle"


def test_the_page_sends_as_many_statements_for_25_platforms_as_for_one(teacher, count_queries):
    counts = []
    for platforms in (1, 25):
        db.session.execute(LtiRegistration.__table__.delete())
        db.session.commit()
        for n in range(platforms):
            deployments = tuple(f"d{k}" for k in range(20))
            _create(replace(MOODLE, client_id=f"c{n}", deployment_ids=deployments),
                    by=teacher.user_id)  # fmt: skip
        with count_queries() as counter:
            response = teacher.get(PAGE)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Grace Teacher") == platforms
        counts.append(counter.count)
    assert counts[0] == counts[1] == 3, counts  # the user; platforms with creators; deployments
