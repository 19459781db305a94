"""The same LMS registered from several requests at once: one row, the others told why.

The unique (issuer, client id) constraint decides the race; the service's INSERT runs in
a savepoint, so a loser's unit of work answers with the field error, never a 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.lti.models import LtiDeployment, LtiRegistration, LtiToolKey
from tests.support import PASSWORD, make_user
from tests.support.live import Session, live_gunicorn, released_together

RACERS = 6
FORM = {
    "name": "School Moodle",
    "issuer": "https://moodle.school.edu",
    "client_id": "aBcD1234",
    "auth_login_url": "https://moodle.school.edu/mod/lti/auth.php",
    "auth_token_url": "https://moodle.school.edu/mod/lti/token.php",
    "key_set_url": "https://moodle.school.edu/mod/lti/certs.php",
    "deployment_ids": "1",
    "frame_origin": "",
}


@pytest.mark.slow
def test_six_registrations_of_one_platform_at_once_store_it_once(database_url, course, db):
    make_user("teacher@example.com", role="instructor")
    with live_gunicorn(database_url) as host:
        teacher = Session(host)
        teacher.log_in("teacher@example.com", PASSWORD)
        form = {**FORM, "csrf_token": teacher.token("/instructor/lti")}

        def register(_: int) -> tuple[int, bool]:
            response, page = Session(host, teacher.cookie).request("POST", "/instructor/lti", form)
            return response.status, 'id="client_id-error"' in page

        results = sorted(released_together(RACERS, register))

    assert results == [(200, True)] * (RACERS - 1) + [(302, False)]
    db.session.rollback()
    for model, expected in ((LtiRegistration, 1), (LtiDeployment, 1), (LtiToolKey, 1)):
        assert db.session.scalar(select(func.count()).select_from(model)) == expected
