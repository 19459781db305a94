"""Uploads waiting for an instructor's confirmation (import previews)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import now_utc


class ImportPreview(db.Model):
    """An uploaded file between its preview and its confirmation.

    It lives in the database, not in one server's folder, so every worker and
    every server sees it; `claimed_at` is set by the one conditional UPDATE that
    lets exactly one confirmation import it.
    """

    __tablename__ = "import_previews"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))
    fresh_ids: Mapped[bool] = mapped_column(Boolean, default=False)
    filename: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now_utc, index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ImportPreview {self.token[:8]}…>"
