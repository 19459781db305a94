"""The LMS class list (NRPS): learners who never launched are listed as "not started".

`fetch_roster` asks the platform (a client-credentials token with the roster scope, then
the membership pages, following `rel="next"` up to MAX_PAGES pages and MAX_MEMBERS
members). It runs in the instructor's request, outside any transaction, bounded by the
services' timeouts (5 s to connect, 10 s to read, per page). `add_members` then makes,
in the caller's unit of work, an account and an LTI identity for each active learner
not yet known: the name from the LMS, the email only if sent and unused, no password
(`password_hash` ""), never launched.

Names, emails and the account itself follow the same rules as a launch's
(app.lti.claims `person_name`/`person_email`, app.lti.accounts `new_lti_user`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.lti.accounts import display_name, new_lti_user
from app.lti.claims import person_email, person_name
from app.lti.models import LTI_ID, LtiContext, LtiIdentity, LtiRegistration
from app.lti.tool_services import ServiceClient, ServiceError
from app.timeutil import now_utc

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 20
MAX_MEMBERS = 5000
LEARNER_ROLES = {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "Learner",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#Learner",
}


class RosterError(Exception):
    """The class list could not be fetched (the message says why, for a flash message)."""


@dataclass(frozen=True)
class Member:
    subject: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Roster:
    context_id: int
    registration_id: int
    issuer: str
    members: list[Member]
    truncated: bool  # more pages or members than the caps


def fetch_roster(context_id: int, client: ServiceClient | None = None) -> Roster | None:
    """Read the LMS course's active learners; None if no such course offers a class list."""
    row = db.session.execute(
        select(LtiContext.memberships_url, LtiContext.registration_id, LtiRegistration.issuer)
        .join(LtiRegistration, LtiRegistration.id == LtiContext.registration_id)
        .where(LtiContext.id == context_id)
    ).first()
    if row is None or not row.memberships_url:
        return None
    client = client or ServiceClient()
    members: dict[str, Member] = {}
    url: str | None = row.memberships_url
    pages = 0
    while url and pages < MAX_PAGES and len(members) < MAX_MEMBERS:
        try:
            body, url = client.get_page(row.registration_id, [NRPS_SCOPE], url, NRPS_TYPE)
        except ServiceError as error:
            raise RosterError(str(error)) from error
        pages += 1
        if not isinstance(body, dict) or not isinstance(body.get("members"), list):
            raise RosterError("the LMS answered without a list of members")
        for entry in body["members"][: MAX_MEMBERS - len(members)]:
            member = active_learner(entry)
            if member is not None:
                members.setdefault(member.subject, member)
    return Roster(context_id, row.registration_id, row.issuer, list(members.values()), bool(url))


def active_learner(entry: Any) -> Member | None:
    """The member if it is an active learner with a usable id, else None."""
    if not isinstance(entry, dict):
        return None
    subject, roles = entry.get("user_id"), entry.get("roles")
    if not isinstance(subject, str) or not subject or len(subject) > LTI_ID.length:
        return None
    if entry.get("status", "Active") != "Active" or not isinstance(roles, list):
        return None
    if not LEARNER_ROLES.intersection(role for role in roles if isinstance(role, str)):
        return None
    return Member(subject, member_name(entry), member_email(entry))


def member_name(entry: dict[str, Any]) -> str:
    """The member's name by the same rule as a launch's (app.lti.accounts.display_name)."""
    return display_name(person_name(entry))


def member_email(entry: dict[str, Any]) -> str | None:
    return person_email(entry.get("email"))


def add_members(roster: Roster) -> int:
    """Make an account and identity for each member not yet known; return how many.

    Three statements and one batched INSERT each for accounts and identities, whatever
    the number of members. The caller's unit of work commits.
    """
    subjects = [member.subject for member in roster.members]
    known = set(
        db.session.scalars(
            select(LtiIdentity.subject).where(
                LtiIdentity.issuer == roster.issuer, LtiIdentity.subject.in_(subjects)
            )
        )
    ) if subjects else set()  # fmt: skip
    new = [member for member in roster.members if member.subject not in known]
    emails = {member.email for member in new if member.email}
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    users = []
    for member in new:
        email = member.email if member.email and member.email not in taken else None
        if email:
            taken.add(email)  # two members sending the same address: the first keeps it
        users.append(new_lti_user(member.name, email))
    db.session.flush()
    db.session.add_all(
        LtiIdentity(
            issuer=roster.issuer,
            subject=member.subject,
            registration_id=roster.registration_id,
            user_id=user.id,
            launched_at=None,
            lms_name=user.name,
        )
        for member, user in zip(new, users, strict=True)
    )
    context = db.session.get(LtiContext, roster.context_id)
    if context is not None:
        context.roster_fetched_at = now_utc()
    db.session.flush()
    return len(new)
