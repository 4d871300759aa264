"""indexes for the team report: answers by day, scores covering its join, judge latency, scores under review

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UNDER_REVIEW = sa.text("review_state != 'none'")


def upgrade() -> None:
    op.create_index("ix_answers_day", "answers", ["day", "deleted", "status", "member_id", "question_id"])
    op.create_index("ix_scores_answer_report", "scores", ["answer_id", "counts", "total", "judge_id", "latency_ms",
                                                          "cost_usd", "input_tokens", "output_tokens"])
    op.create_index("ix_scores_judge_latency", "scores", ["judge_id", "latency_ms", "answer_id"])
    op.create_index("ix_scores_under_review", "scores", ["review_state"], sqlite_where=UNDER_REVIEW,
                    postgresql_where=UNDER_REVIEW)


def downgrade() -> None:
    op.drop_index("ix_scores_under_review", table_name="scores")
    op.drop_index("ix_scores_judge_latency", table_name="scores")
    op.drop_index("ix_scores_answer_report", table_name="scores")
    op.drop_index("ix_answers_day", table_name="answers")
