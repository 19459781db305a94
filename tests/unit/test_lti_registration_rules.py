"""What a platform registration must look like, judged without the database.

`app.lti.registrations.registration_problems` is the one place these rules live: the
instructor page and `flask lti register` both go through it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.lti.registrations import (
    MAX_CLIENT_ID,
    MAX_DEPLOYMENT_ID,
    MAX_DEPLOYMENTS,
    MAX_ISSUER,
    MAX_NAME,
    MAX_URL,
    RegistrationData,
    is_loopback_host,
    registration_problems,
    tool_urls,
)

MOODLE = RegistrationData(
    name="School Moodle",
    issuer="https://moodle.school.edu",
    client_id="aBcD1234",
    auth_login_url="https://moodle.school.edu/mod/lti/auth.php",
    auth_token_url="https://moodle.school.edu/mod/lti/token.php",
    key_set_url="https://moodle.school.edu/mod/lti/certs.php",
    deployment_ids=("1",),
)


def problems(**changes) -> dict[str, str]:
    return registration_problems(replace(MOODLE, **changes).cleaned())


def test_a_moodle_registration_as_moodle_shows_it_is_accepted():
    assert problems() == {}


def test_canvas_with_the_schools_own_host_as_frame_origin_is_accepted():
    canvas = RegistrationData(
        name="Canvas",
        issuer="https://canvas.instructure.com",
        client_id="10000000000042",
        auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
        key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
        deployment_ids=("17:8865aa05b4b79b64a91a86042e43af5ea8ae79eb", "23:abc"),
        frame_origin="https://School.Instructure.com/",
    ).cleaned()
    assert registration_problems(canvas) == {}
    assert canvas.frame_origin == "https://school.instructure.com"  # as browsers compare it


@pytest.mark.parametrize(
    "field",
    ["issuer", "auth_login_url", "auth_token_url", "key_set_url"],
)
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "required"),
        ("moodle.school.edu/mod/lti/auth.php", "full address"),
        ("/mod/lti/auth.php", "full address"),
        ("ftp://moodle.school.edu/x", "full address"),
        ("javascript:alert(1)", "full address"),
        ("https://", "full address"),
        ("http://moodle.school.edu/x", "must use https"),
        ("http://10.0.0.5/x", "must use https"),
        ("https://user:secret@moodle.school.edu/x", "user name or password"),
        ("https://moodle.school.edu/a b", "spaces"),
        ("https://moodle.school.edu:99999/x", "not a valid URL"),
        ("https://moodle.school.edu:port/x", "not a valid URL"),
        ("https://moodle.school.edu/\x00", "control"),
    ],
)
def test_a_platform_url_must_be_an_absolute_https_address(field, value, why):
    found = problems(**{field: value})
    assert list(found) == [field]
    assert why in found[field]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/x",
        "http://127.0.0.1:5001/jwks",
        "http://127.5.6.7/x",
        "http://[::1]:9/x",
    ],
)
def test_plain_http_is_accepted_on_this_machine_only(url):
    assert problems(issuer=url.rsplit("/", 1)[0], key_set_url=url) == {}


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "::1"])
def test_loopback_hosts(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["", None, "localhost.evil.com", "10.0.0.1", "0.0.0.0", "example"])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback_host(host)


def test_an_issuer_has_no_query_or_fragment():
    assert "query" in problems(issuer="https://moodle.school.edu?x=1")["issuer"]
    assert "query" in problems(issuer="https://moodle.school.edu#top")["issuer"]
    assert problems(issuer="https://school.edu/moodle") == {}  # a path is fine


def test_lengths_are_the_columns_own():
    assert "too long" in problems(name="n" * (MAX_NAME + 1))["name"]
    assert problems(name="n" * MAX_NAME) == {}
    long_issuer = "https://moodle.school.edu/" + "p" * MAX_ISSUER
    assert "too long" in problems(issuer=long_issuer)["issuer"]
    assert "too long" in problems(client_id="c" * (MAX_CLIENT_ID + 1))["client_id"]
    assert problems(client_id="c" * MAX_CLIENT_ID) == {}
    long_url = "https://moodle.school.edu/" + "p" * MAX_URL
    assert "too long" in problems(key_set_url=long_url)["key_set_url"]


def test_name_and_client_id_are_required_and_blanks_do_not_count():
    found = problems(name="   ", client_id=" \t ")
    assert set(found) == {"name", "client_id"}


def test_deployment_ids_one_to_twenty_short_and_distinct():
    assert "at least one" in problems(deployment_ids=())["deployment_ids"]
    assert "at least one" in problems(deployment_ids=("", "  "))["deployment_ids"]
    many = tuple(str(n) for n in range(MAX_DEPLOYMENTS + 1))
    assert "At most 20" in problems(deployment_ids=many)["deployment_ids"]
    assert problems(deployment_ids=many[:MAX_DEPLOYMENTS]) == {}
    too_long = ("d" * (MAX_DEPLOYMENT_ID + 1),)
    assert "at most 255" in problems(deployment_ids=too_long)["deployment_ids"]
    assert "twice" in problems(deployment_ids=("1", "2", " 1 "))["deployment_ids"]


@pytest.mark.parametrize(
    "origin",
    ["https://school.instructure.com/courses/1", "https://school.edu/?x", "https://a.edu#x",
     "school.instructure.com", "http://school.instructure.com", "https://a.edu/x/"],
)  # fmt: skip
def test_a_frame_origin_is_scheme_host_and_port_only(origin):
    assert "frame_origin" in problems(frame_origin=origin)


@pytest.mark.parametrize(
    "origin",
    ["", "https://school.instructure.com", "https://lms.school.edu:8443", "http://localhost:9"],
)
def test_a_frame_origin_may_be_left_out_or_given_as_an_origin(origin):
    assert problems(frame_origin=origin) == {}


def test_tool_urls_for_a_public_base_url():
    urls = tool_urls("https://quiz.example.edu/")
    assert urls.login == "https://quiz.example.edu/lti/login"
    assert urls.launch == "https://quiz.example.edu/lti/launch"
    assert urls.jwks == "https://quiz.example.edu/lti/jwks"
    assert urls.deep_linking == urls.launch  # the message type tells them apart
    assert urls.secure
    assert urls.rows()[0][0].startswith("Login initiation URL")
    assert not tool_urls("http://quiz.example.edu").secure
    assert tool_urls("http://127.0.0.1:5000").secure
