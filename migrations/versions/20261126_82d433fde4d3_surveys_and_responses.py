"""surveys and responses: consultations, surveys, sections, questions, options,
responses, answers, monitoring profiles, drafts, erasures

Revision ID: 82d433fde4d3
Revises: 180b2dd4f4de
Create Date: 2026-11-26 03:58:29.400437

"""
from alembic import op
import sqlalchemy as sa
import engage.sqltypes


# revision identifiers, used by Alembic.
revision = '82d433fde4d3'
down_revision = '180b2dd4f4de'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('service_area', sa.Enum('maternity', 'mental_health', 'primary_care', 'urgent_care', 'long_term_conditions', 'community_services', 'children_young_people', 'other', name='service_area', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('stage', sa.Enum('strategic_planning', 'procuring_services', 'monitoring_evaluation', name='stage', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('target_communities', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', 'reported', name='consultation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consultations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
    sa.UniqueConstraint('slug', name=op.f('uq_consultations_slug'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('intro', sa.JSON(), nullable=False),
    sa.Column('consent_text', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='survey_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('monitoring_enabled', sa.Boolean(), nullable=False),
    sa.Column('monitoring_keys', sa.JSON(), nullable=False),
    sa.Column('created_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_surveys_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('slug', name=op.f('uq_surveys_slug'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('response_erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=20), nullable=False),
    sa.Column('erased_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_response_erasures_survey_id_surveys'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_erasures'))
    )
    with op.batch_alter_table('response_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_erasures_survey_id'), ['survey_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.Enum('online', 'paper', 'event', 'phone', 'interpreter', 'import', name='channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_responses_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['forum_id'], ['organisations.id'], name=op.f('fk_responses_forum_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('reference', name=op.f('uq_responses_reference')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_responses_submission_key'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_sections_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_sections'))
    )
    with op.batch_alter_table('survey_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_sections_survey_id'), ['survey_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('type', sa.Enum('single_choice', 'multiple_choice', 'likert', 'fft', 'scale', 'short_text', 'long_text', 'number', 'date', 'postcode_district', 'note', name='question_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('hint', sa.JSON(), nullable=False),
    sa.Column('show_if', sa.JSON(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.CheckConstraint('length(key) between 1 and 64', name=op.f('ck_questions_key_length')),
    sa.ForeignKeyConstraint(['section_id'], ['survey_sections.id'], name=op.f('fk_questions_section_id_survey_sections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_questions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('survey_id', 'key', name=op.f('uq_questions_survey_id_key'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_survey_id'), ['survey_id'], unique=False)

    op.create_table('response_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('monitoring_consent', sa.Boolean(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.Enum('online', 'paper', 'event', 'phone', 'interpreter', 'import', name='channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engage.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_response_drafts_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['forum_id'], ['organisations.id'], name=op.f('fk_response_drafts_forum_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_drafts_response_id_responses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_response_drafts_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_drafts')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_response_drafts_token_hash'))
    )
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_drafts_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_drafts_survey_id'), ['survey_id'], unique=False)

    op.create_table('response_profiles',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('ethnic_group', sa.String(length=40), nullable=True),
    sa.Column('ethnic_group_other', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('religion', sa.String(length=20), nullable=True),
    sa.Column('age_band', sa.String(length=20), nullable=True),
    sa.Column('sex', sa.String(length=20), nullable=True),
    sa.Column('gender_identity', sa.String(length=20), nullable=True),
    sa.Column('sexual_orientation', sa.String(length=20), nullable=True),
    sa.Column('disability', sa.String(length=20), nullable=True),
    sa.Column('carer', sa.String(length=20), nullable=True),
    sa.Column('postcode_district', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_profiles_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', name=op.f('pk_response_profiles'))
    )
    with op.batch_alter_table('response_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_profiles_ethnic_group'), ['ethnic_group'], unique=False)

    op.create_table('question_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_options_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_options')),
    sa.UniqueConstraint('question_id', 'code', name=op.f('uq_question_options_question_id_code'))
    )
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_options_question_id'), ['question_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('text_language', sa.String(length=16), nullable=True),
    sa.Column('coded_themes', sa.String(length=500), nullable=True),
    sa.Column('coded_sentiment', sa.Enum('positive', 'neutral', 'negative', name='sentiment', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.ForeignKeyConstraint(['option_id'], ['question_options.id'], name=op.f('fk_answers_option_id_question_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_answers_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_question_id_option_id', ['question_id', 'option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_response_id'), ['response_id'], unique=False)



def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_response_id'))
        batch_op.drop_index('ix_answers_question_id_option_id')

    op.drop_table('answers')
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_options_question_id'))

    op.drop_table('question_options')
    with op.batch_alter_table('response_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_profiles_ethnic_group'))

    op.drop_table('response_profiles')
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_drafts_survey_id'))
        batch_op.drop_index(batch_op.f('ix_response_drafts_expires_at'))

    op.drop_table('response_drafts')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_survey_id'))
        batch_op.drop_index(batch_op.f('ix_questions_section_id'))

    op.drop_table('questions')
    with op.batch_alter_table('survey_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_sections_survey_id'))

    op.drop_table('survey_sections')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_survey_id'))
        batch_op.drop_index(batch_op.f('ix_responses_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_responses_forum_id'))

    op.drop_table('responses')
    with op.batch_alter_table('response_erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_erasures_survey_id'))

    op.drop_table('response_erasures')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_consultation_id'))

    op.drop_table('surveys')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_organisation_id'))

    op.drop_table('consultations')
