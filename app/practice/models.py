"""A learner's practice cards (one per missed question) and the reviews of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import now_utc


class PracticeCard(db.Model):
    """One learner's FSRS state for one question (not one version: edits keep the schedule).

    A missed question with no card yet is a new card, due since it was missed; the
    card row is written by its first review. `reviews` counts the reviews and is the
    card's version: each answer names the count it saw, and the write is conditional
    on it (`app.practice.services.record_review`), so one answer reviews a card once.
    """

    __tablename__ = "practice_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_practice_cards_user_question"),
        Index("ix_practice_cards_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    # The library's card (`fsrs.Card.to_dict()`), read back by `app.practice.scheduling`.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviews: Mapped[int] = mapped_column(default=0)
    last_review: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<PracticeCard user={self.user_id} question={self.question_id} #{self.reviews}>"


class PracticeReview(db.Model):
    """One answer given in practice: what was shown and answered, its rating, what follows.

    Unique per card and review number: the database, not a check in Python, keeps a
    resent answer from being logged twice.
    """

    __tablename__ = "practice_reviews"
    __table_args__ = (
        UniqueConstraint("card_id", "number", name="uq_practice_reviews_card_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("practice_cards.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    number: Mapped[int]
    choice_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    answer: Mapped[Any | None] = mapped_column(JSON)
    fraction: Mapped[float] = mapped_column(Float)
    rating: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    due_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<PracticeReview card={self.card_id} #{self.number} rating={self.rating}>"
