"""practice: a card per learner and missed question (FSRS state), and its reviews

Revision ID: 0011_practice
Revises: 0010_password_resets
Create Date: 2026-11-28 13:40:00

A missed question needs no row to be in the deck: its card is written by its first
review, so nothing is carried over from existing attempts.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_practice'
down_revision = '0010_password_resets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'practice_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.JSON(), nullable=False),
        sa.Column('due', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.Column('last_review', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['question_id'], ['questions.id'], name=op.f('fk_practice_cards_question_id_questions')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_practice_cards_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_cards')),
        sa.UniqueConstraint('user_id', 'question_id', name='uq_practice_cards_user_question'),
    )
    with op.batch_alter_table('practice_cards', schema=None) as batch_op:
        batch_op.create_index('ix_practice_cards_user_due', ['user_id', 'due'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_practice_cards_question_id'), ['question_id'], unique=False
        )
    op.create_table(
        'practice_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('question_version_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('choice_order', sa.JSON(), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.Column('fraction', sa.Float(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_after', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['card_id'], ['practice_cards.id'], name=op.f('fk_practice_reviews_card_id_practice_cards')
        ),
        sa.ForeignKeyConstraint(
            ['question_version_id'], ['question_versions.id'],
            name=op.f('fk_practice_reviews_question_version_id_question_versions'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_practice_reviews_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_reviews')),
        sa.UniqueConstraint('card_id', 'number', name='uq_practice_reviews_card_number'),
    )
    with op.batch_alter_table('practice_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_reviews_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_reviews_user_id'))
    op.drop_table('practice_reviews')
    with op.batch_alter_table('practice_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_cards_question_id'))
        batch_op.drop_index('ix_practice_cards_user_due')
    op.drop_table('practice_cards')
