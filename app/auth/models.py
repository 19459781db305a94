"""Accounts."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import now_utc

ROLE_LEARNER = "learner"
ROLE_INSTRUCTOR = "instructor"

# Casefolding can triple a name's length (ß → ss). The "C" collation on PostgreSQL sorts by
# code point, as SQLite's default does, so both databases list learners in the same order.
NAME_KEY_TYPE = String(240).with_variant(String(240, collation="C"), "postgresql")


def new_session_token() -> str:
    """Return a fresh random token; rotating it ends every session of the user."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an account made by an LMS launch that sent no email (app.lti).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The display name (app.auth.services.name_problem is its rule) and the key it sorts by.
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(NAME_KEY_TYPE, index=True)
    # False for accounts named by a stand-in (the email's local part): asked at next log-in.
    name_confirmed: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_LEARNER)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    # A simulated account of the demo class (`flask demo seed`): left out of item statistics
    # while real learners exist, removed by `flask demo clear`.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    @property
    def is_instructor(self) -> bool:
        return self.role == ROLE_INSTRUCTOR

    def get_id(self) -> str:
        """Identify the session by the rotating token, not the primary key (Flask-Login)."""
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class PasswordReset(db.Model):
    """A one-time password-reset link an instructor issued for an account.

    Only the token's SHA-256 is stored, so the table cannot be used to reset anyone's
    password. A link is used once: `app.auth.resets.use_reset` claims it with a
    conditional UPDATE (`used_at IS NULL AND expires_at > now`).
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"
