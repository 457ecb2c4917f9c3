"""Indexes for the dashboard's reads: open cases by status and age, rulings, acts by kind

Revision ID: 0008
Revises: 0007

The dashboard lists the oldest open cases awaiting a member (by status, accused and
lodging time) and the cases holding an act of a kind (a response, a request for
information), the confirmed violations and the latest rulings; without these indexes
each of those reads scans or sorts every case.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_status_lodged_at", "cases", ["status", "lodged_at"])
    op.create_index(
        "ix_cases_status_accused_lodged_at", "cases", ["status", "accused", "lodged_at"]
    )
    op.create_index("ix_cases_outcome", "cases", ["outcome"])
    op.create_index("ix_cases_ruled_at", "cases", ["ruled_at"])
    op.create_index("ix_case_acts_kind_case_id", "case_acts", ["kind", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_acts_kind_case_id", table_name="case_acts")
    op.drop_index("ix_cases_ruled_at", table_name="cases")
    op.drop_index("ix_cases_outcome", table_name="cases")
    op.drop_index("ix_cases_status_accused_lodged_at", table_name="cases")
    op.drop_index("ix_cases_status_lodged_at", table_name="cases")
