"""attendance: one index for a member's record, in a community and by date

Revision ID: a1c4e2d7b9f3
Revises: 5bdac6bf0989
Create Date: 2026-12-03 16:40:00

"""

from alembic import op

revision = "a1c4e2d7b9f3"
down_revision = "5bdac6bf0989"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_member_id")
        batch_op.create_index(
            "ix_attendance_member_community_on", ["member_id", "community_id", "event_on"], unique=False
        )


def downgrade():
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_member_community_on")
        batch_op.create_index("ix_attendance_member_id", ["member_id"], unique=False)
