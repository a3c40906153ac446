"""sentiment suggested by the model: where each analysis's sentiment came from (the
model learned from analysts' coding, or the lexicon) and the model's confidence

Revision ID: 5d1f0e7a9c21
Revises: 3192cc9d3a1e
Create Date: 2026-11-26 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1f0e7a9c21'
down_revision = '3192cc9d3a1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer_analyses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_by', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('sentiment_confidence', sa.Float(), nullable=True))
    # the analyses made so far scored sentiment with the lexicon only
    op.execute(
        "UPDATE answer_analyses SET sentiment_by = 'lexicon' WHERE sentiment IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('answer_analyses', schema=None) as batch_op:
        batch_op.drop_column('sentiment_confidence')
        batch_op.drop_column('sentiment_by')
