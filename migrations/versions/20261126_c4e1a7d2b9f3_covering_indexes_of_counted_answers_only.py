"""the results' covering indexes hold only the answers results count (an option or a
number): free text and dates are never grouped by community, and each of their entries
cost every submit a page write

Revision ID: c4e1a7d2b9f3
Revises: 5d1f0e7a9c21
Create Date: 2026-11-26 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7d2b9f3'
down_revision = '5d1f0e7a9c21'
branch_labels = None
depends_on = None

GROUP_COLUMNS = (
    'age_band', 'channel', 'disability', 'ethnic_group', 'forum_id', 'language', 'religion', 'sex'
)
GROUPED_ANSWERS = 'option_id IS NOT NULL OR number IS NOT NULL'


def _create(column, where):
    kwargs = {} if where is None else {'sqlite_where': sa.text(where), 'postgresql_where': sa.text(where)}
    op.create_index(
        f'ix_answers_by_{column}',
        'answers',
        ['question_id', column, 'option_id', 'number', 'response_id'],
        unique=False,
        **kwargs,
    )


def upgrade():
    for column in GROUP_COLUMNS:
        op.drop_index(f'ix_answers_by_{column}', table_name='answers')
        _create(column, GROUPED_ANSWERS)


def downgrade():
    for column in GROUP_COLUMNS:
        op.drop_index(f'ix_answers_by_{column}', table_name='answers')
        _create(column, None)
