"""Initial schema: centres and their settings, users, enterprises and their members.

Revision ID: 1ecfe3c36415
Revises: 
Create Date: 2026-11-21 11:01:57.520052
"""

from alembic import op
import sqlalchemy as sa


revision = '1ecfe3c36415'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('centres',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('level', sa.Enum('national', 'provincial', 'municipal', 'county', 'sub_centre', 'workstation', name='centre_level', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_centres_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['centres.id'], name=op.f('fk_centres_parent_id_centres'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centres')),
    sa.UniqueConstraint('code', name=op.f('uq_centres_code'))
    )
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centres_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centres_path'), ['path'], unique=False)

    op.create_table('enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('industry', sa.Enum('agriculture', 'industry', 'construction', 'wholesale', 'retail', 'transport', 'warehousing', 'postal', 'accommodation', 'catering', 'information_transmission', 'software_it', 'real_estate_development', 'property_management', 'leasing_business', 'other', name='industry', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('staff_count', sa.Integer(), nullable=False),
    sa.Column('revenue_wan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('assets_wan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('size_class', sa.Enum('large', 'medium', 'small', 'micro', name='size_class', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('is_specialised_new', sa.Boolean(), nullable=False),
    sa.Column('is_little_giant', sa.Boolean(), nullable=False),
    sa.Column('is_in_hardship', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('assets_wan IS NULL OR assets_wan >= 0', name=op.f('ck_enterprises_assets_not_negative')),
    sa.CheckConstraint('length(credit_code) = 18', name=op.f('ck_enterprises_credit_code_length')),
    sa.CheckConstraint('revenue_wan >= 0', name=op.f('ck_enterprises_revenue_not_negative')),
    sa.CheckConstraint('staff_count >= 0', name=op.f('ck_enterprises_staff_count_not_negative')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_enterprises_centre_id_centres'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_enterprises_credit_code'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_size_class'), ['size_class'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('applicant', 'caseworker', 'mediator', 'supervisor', 'fund_committee', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('session_nonce', sa.String(length=32), nullable=False),
    sa.Column('failed_login_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'applicant' AND centre_id IS NULL) OR (role <> 'applicant' AND centre_id IS NOT NULL)", name=op.f('ck_users_staff_have_centre')),
    sa.CheckConstraint('failed_login_count >= 0', name=op.f('ck_users_failed_login_count_not_negative')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_users_centre_id_centres'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('centre_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_centre_settings_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_centre_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_settings')),
    sa.UniqueConstraint('centre_id', 'key', name='uq_centre_settings_centre_key')
    )
    with op.batch_alter_table('centre_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_settings_centre_id'), ['centre_id'], unique=False)

    op.create_table('enterprise_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'rejected', name='membership_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('position', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_enterprise_members_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_members_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enterprise_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_members')),
    sa.UniqueConstraint('user_id', name=op.f('uq_enterprise_members_user_id'))
    )
    with op.batch_alter_table('enterprise_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_members_enterprise_id'), ['enterprise_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enterprise_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_members_enterprise_id'))

    op.drop_table('enterprise_members')
    with op.batch_alter_table('centre_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_settings_centre_id'))

    op.drop_table('centre_settings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))
        batch_op.drop_index(batch_op.f('ix_users_centre_id'))

    op.drop_table('users')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_size_class'))
        batch_op.drop_index(batch_op.f('ix_enterprises_name'))
        batch_op.drop_index(batch_op.f('ix_enterprises_centre_id'))

    op.drop_table('enterprises')
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centres_path'))
        batch_op.drop_index(batch_op.f('ix_centres_parent_id'))

    op.drop_table('centres')
