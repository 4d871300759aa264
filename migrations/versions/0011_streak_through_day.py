"""streaks.through_day: the person's "today" when the stored streak was last walked, so a new score can
continue the stored state instead of recomputing it from the whole history (and `drillbot db verify`
can recompute it as of the same day)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("streaks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("through_day", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("streaks", schema=None) as batch_op:
        batch_op.drop_column("through_day")
