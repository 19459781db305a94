"""What the LTI 1.3 tool keeps: platforms, our keys, launch state, identities, scores to send.

Nothing here is per process: several servers share these rows, so a launch that
starts its OIDC login on one server can finish on another, and a nonce used on one
is used on all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import now_utc

URL = String(1000)
# Claims and identifiers an LMS sends: the spec sets no length; these are generous caps
# checked at the way in (app.lti.claims), so a row never fails on length.
LTI_ID = String(255)

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"  # claimed by a sender until next_try_at (its lease) passes
OUTBOX_SENT = "sent"
OUTBOX_SUPERSEDED = "superseded"  # a later score for the same line item and learner went
OUTBOX_FAILED = "failed"  # gave up after the last retry; an instructor can retry


class LtiRegistration(db.Model):
    """One platform (an LMS) that may launch us: what we enter there and it enters here."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(LTI_ID)
    client_id: Mapped[str] = mapped_column(LTI_ID)
    auth_login_url: Mapped[str] = mapped_column(URL)
    auth_token_url: Mapped[str] = mapped_column(URL)
    key_set_url: Mapped[str] = mapped_column(URL)
    # The origin whose pages may frame ours after a launch from this platform (CSP
    # frame-ancestors). Empty: the issuer's origin. Canvas, for one, issues as
    # https://canvas.instructure.com but frames from the school's own host.
    frame_origin: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Who registered the platform. LMS instructor roles make an instructor of our app only
    # when an instructor of ours made the registration (the page or `flask lti register
    # --by`); otherwise every launch from it is a learner's.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)

    deployments = relationship(
        "LtiDeployment",
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="LtiDeployment.id",
    )
    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<LtiRegistration {self.issuer} {self.client_id}>"


class LtiDeployment(db.Model):
    """A deployment id the platform uses for us; launches naming another are refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(LTI_ID)

    registration = relationship("LtiRegistration", back_populates="deployments")


class LtiToolKey(db.Model):
    """One of our signing keys. The newest unretired key signs; every unretired key is
    published in our JWKS, so a key can be added before the old one is retired and a
    launch in flight still verifies. The private key is stored encrypted (app.lti.keys)."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[str] = mapped_column(Text)  # JSON
    private_key: Mapped[str] = mapped_column(Text)  # Fernet token of the PKCS#8 PEM
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LtiLaunchValue(db.Model):
    """The LTI library's launch storage (state, nonce, launch data), shared by all servers.

    A nonce row is deleted by the conditional DELETE that checks it, so it is used once.
    """

    __tablename__ = "lti_launch_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LtiIdentity(db.Model):
    """An LMS user (issuer, sub) mapped to one of our users, made on the first launch."""

    __tablename__ = "lti_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(LTI_ID)
    subject: Mapped[str] = mapped_column(LTI_ID)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    # When the learner last launched us; None for a roster member who never has.
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The name the LMS last gave (by our name rule): a launch with a new one renames the
    # user only while their name is still this one (they never chose another here).
    lms_name: Mapped[str | None] = mapped_column(String(80))

    user = relationship("User")
    registration = relationship("LtiRegistration")


class LtiContext(db.Model):
    """An LMS course we were launched from, with its roster service (NRPS) if offered."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id"), index=True)
    context_id: Mapped[str] = mapped_column(LTI_ID)
    title: Mapped[str] = mapped_column(String(255), default="")
    memberships_url: Mapped[str | None] = mapped_column(URL)
    roster_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    registration = relationship("LtiRegistration")


class LtiGradeLink(db.Model):
    """Where one learner's counted grade for one lesson goes: an AGS line item.

    Made when the learner launches a deep-linked quiz whose launch carries a line item.
    """

    __tablename__ = "lti_grade_links"
    __table_args__ = (
        UniqueConstraint("registration_id", "lineitem_url", "user_id"),
        Index("ix_lti_grade_links_lesson_user", "lesson_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    lineitem_url: Mapped[str] = mapped_column(URL)
    subject: Mapped[str] = mapped_column(LTI_ID)  # the AGS userId
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)

    registration = relationship("LtiRegistration")


class LtiScoreOutbox(db.Model):
    """A score to send, written in the same transaction as the grade it reports.

    `flask lti send-scores` sends pending rows (the newest per link; older ones are
    superseded), retrying with backoff. AGS keeps the latest score by timestamp, so a
    row sent twice (a sender killed after the POST and before its commit) is harmless.
    """

    __tablename__ = "lti_score_outbox"
    __table_args__ = (Index("ix_lti_score_outbox_status_next", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_link_id: Mapped[int] = mapped_column(ForeignKey("lti_grade_links.id"), index=True)
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # AGS timestamp
    status: Mapped[str] = mapped_column(String(12), default=OUTBOX_PENDING)
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    grade_link = relationship("LtiGradeLink")
