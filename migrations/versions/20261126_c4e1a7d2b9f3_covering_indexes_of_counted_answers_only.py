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


def _create(column, where, name=None, **options):
    kwargs = {} if where is None else {'sqlite_where': sa.text(where), 'postgresql_where': sa.text(where)}
    op.create_index(
        name or f'ix_answers_by_{column}',
        'answers',
        ['question_id', column, 'option_id', 'number', 'response_id'],
        unique=False,
        **kwargs,
        **options,
    )


def _rebuild(where):
    if op.get_bind().dialect.name != 'postgresql':
        for column in GROUP_COLUMNS:
            op.drop_index(f'ix_answers_by_{column}', table_name='answers')
            _create(column, where)
        return
    # PostgreSQL: each new index is built beside the old one without blocking the
    # answers' writes (CONCURRENTLY: a large table takes a while, and respondents go on
    # submitting), then swapped in. Outside a transaction, as CONCURRENTLY must be; run
    # again after a failure, it starts each swap afresh.
    with op.get_context().autocommit_block():
        for column in GROUP_COLUMNS:
            name = f'ix_answers_by_{column}'
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}_new')
            _create(column, where, f'{name}_new', postgresql_concurrently=True)
            op.drop_index(name, table_name='answers', postgresql_concurrently=True)
            op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def upgrade():
    _rebuild(GROUPED_ANSWERS)


def downgrade():
    _rebuild(None)
