"""Who a launch is: an LMS user (issuer, sub) mapped to one of our accounts.

The first launch makes the account: the name from the claims (by our name rule, else
"Learner"), the email only when sent and no other account has it (never linked by
email: that would let a platform take over an account), no password (an empty hash,
which the password log-in refuses). Identities are per issuer, so one platform can
never reach another platform's users, even with the same `sub`.

LMS instructor roles make an instructor of ours only when the registration was made
by someone who is an instructor now; launches never demote. A later launch with a
changed name (a learner renamed in the LMS) renames the account, unless its owner has
chosen another name here since. Services flush.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import ROLE_INSTRUCTOR, ROLE_LEARNER, User
from app.auth.services import clean_name, find_user, name_key, name_problem, set_name
from app.database import savepoint
from app.extensions import db
from app.lti.claims import LaunchClaims
from app.lti.models import LtiIdentity, LtiRegistration
from app.timeutil import now_utc

STAND_IN_NAME = "Learner"


def display_name(claimed: str | None) -> str:
    """The claimed name, cleaned by our name rule; "Learner" when none or refused."""
    if claimed is None or name_problem(claimed) is not None:
        return STAND_IN_NAME
    return clean_name(claimed)


def trusted_for_instructors(registration: LtiRegistration) -> bool:
    """Tell whether LMS instructor roles count: the registration's maker is an instructor now."""
    maker = registration.created_by
    return maker is not None and maker.role == ROLE_INSTRUCTOR


def user_for_launch(
    registration: LtiRegistration, claims: LaunchClaims, lms_instructor: bool
) -> User:
    """Find or make the account of the launching user; note the launch (flushes)."""
    role = (
        ROLE_INSTRUCTOR
        if lms_instructor and trusted_for_instructors(registration)
        else ROLE_LEARNER
    )
    identity = _identity(claims)
    if identity is None:
        identity = _new_identity(registration, claims, role)
    else:
        if role == ROLE_INSTRUCTOR and identity.user.role == ROLE_LEARNER:
            identity.user.role = ROLE_INSTRUCTOR  # promoted under the same rule; never demoted
        follow_lms_name(identity, claims.display_name)
    identity.launched_at = now_utc()
    db.session.flush()
    return identity.user


def follow_lms_name(identity: LtiIdentity, claimed: str | None) -> None:
    """Rename the user as the LMS now names them, if they have not renamed themselves.

    The name the LMS gave last is kept on the identity: when the account still carries
    it, the new one replaces it; when the owner chose another name here, theirs stays.
    No name, or one our name rule refuses, changes nothing. An identity from before
    names were kept (none noted) follows once the LMS sends the name the account has.
    """
    if claimed is None or name_problem(claimed) is not None:
        return
    new = display_name(claimed)
    user = identity.user
    if identity.lms_name is not None and user.name == identity.lms_name and user.name != new:
        set_name(user, new)
    identity.lms_name = new


def _identity(claims: LaunchClaims) -> LtiIdentity | None:
    return db.session.scalar(
        select(LtiIdentity).where(
            LtiIdentity.issuer == claims.issuer, LtiIdentity.subject == claims.subject
        )
    )


def _new_identity(registration: LtiRegistration, claims: LaunchClaims, role: str) -> LtiIdentity:
    """Make the account and its identity; a racing first launch of the same user wins."""
    email = claims.email if claims.email and find_user(claims.email) is None else None
    for attempt_email in dict.fromkeys([email, None]):  # without the email if it was taken
        try:
            with savepoint():
                return _insert(registration, claims, role, attempt_email)
        except IntegrityError:
            winner = _identity(claims)
            if winner is not None:
                return winner
    raise RuntimeError("an LTI account could not be made")  # both inserts lost: a bug


def new_lti_user(claimed_name: str | None, email: str | None, role: str = ROLE_LEARNER) -> User:
    """An account made from the LMS (a launch or its roster): the claimed name by our name
    rule, the email as given (the caller has checked nobody has it), no password."""
    name = display_name(claimed_name)
    user = User(
        email=email,
        password_hash="",  # no password: app.auth.services.authenticate refuses it
        role=role,
        name=name,
        name_key=name_key(name),
        name_confirmed=True,
    )
    db.session.add(user)
    return user


def _insert(
    registration: LtiRegistration, claims: LaunchClaims, role: str, email: str | None
) -> LtiIdentity:
    user = new_lti_user(claims.display_name, email, role)
    identity = LtiIdentity(
        issuer=claims.issuer,
        subject=claims.subject,
        registration=registration,
        user=user,
        lms_name=user.name,
    )
    db.session.add_all([user, identity])
    return identity
