"""indexes for every list filter and sort; trigram keyword search (SQLite FTS5 / pg_trgm)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:20:00

Measured with bench/generate.py (100k enterprises, 30k projects, 300k follow-ups)
and bench/bench_pages.py; results in bench/README.md.

B-tree indexes (declared in the models' __table_args__ too):
* (deleted_at, <sort column>) — a live list in its sort order is an index scan
  that stops after one page, and its count is a covering-index count;
* (<filter column>, deleted_at, updated_at) — a filtered live list in the
  default order, and its count, from the index alone.

Keyword search (crm/queries/search.py), outside the models:
* SQLite: FTS5 tables <table>_fts (trigram tokenizer, external content) with
  insert/update/delete triggers;
* PostgreSQL: the pg_trgm extension and GIN indexes on lower(<column>).
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# name → (table, columns); keep in step with the models' __table_args__.
INDEXES = {
    # enterprises: sorts name / revenue / priority / updated; filters below
    "ix_enterprise_live_updated": ("enterprise", ["deleted_at", "updated_at", "id"]),
    "ix_enterprise_live_name": ("enterprise", ["deleted_at", "name"]),
    "ix_enterprise_live_revenue": ("enterprise", ["deleted_at", "revenue_wan"]),
    "ix_enterprise_live_priority": ("enterprise", ["deleted_at", "priority"]),
    "ix_enterprise_city_live": ("enterprise", ["city_code", "deleted_at", "updated_at"]),
    "ix_enterprise_province_live": ("enterprise", ["province", "deleted_at", "updated_at"]),
    "ix_enterprise_segment_live": ("enterprise", ["chain_segment", "deleted_at", "updated_at"]),
    "ix_enterprise_kind_live": ("enterprise", ["kind", "deleted_at", "updated_at"]),
    "ix_enterprise_key_live": ("enterprise", ["is_key_target", "deleted_at", "updated_at"]),
    "ix_enterprise_jizhe_live": ("enterprise", ["jizhe", "deleted_at", "updated_at"]),
    "ix_enterprise_owner_live": ("enterprise", ["owner_id", "deleted_at", "updated_at"]),
    # projects
    "ix_project_live_updated": ("project", ["deleted_at", "updated_at", "id"]),
    "ix_project_live_name": ("project", ["deleted_at", "name"]),
    "ix_project_live_planned": ("project", ["deleted_at", "planned_investment_wan"]),
    "ix_project_live_last_followup": ("project", ["deleted_at", "last_followup_on"]),
    "ix_project_city_live": ("project", ["city_code", "deleted_at", "updated_at"]),
    "ix_project_city_stage_live": ("project", ["city_code", "stage", "deleted_at",
                                               "updated_at"]),
    "ix_project_stage_live": ("project", ["stage", "deleted_at", "updated_at"]),
    "ix_project_segment_live": ("project", ["chain_segment", "deleted_at", "updated_at"]),
    "ix_project_mode_live": ("project", ["attraction_mode", "deleted_at", "updated_at"]),
    "ix_project_class_live": ("project", ["project_class", "deleted_at", "updated_at"]),
    "ix_project_form_live": ("project", ["cooperation_form", "deleted_at", "updated_at"]),
    "ix_project_case_live": ("project", ["case_by_case", "deleted_at", "updated_at"]),
    "ix_project_jizhe_live": ("project", ["jizhe", "deleted_at", "updated_at"]),
    "ix_project_owner_live": ("project", ["owner_id", "deleted_at", "updated_at"]),
    "ix_project_source_city_live": ("project", ["source_city", "deleted_at", "updated_at"]),
    # follow-ups: newest first; overdue next steps; per project / enterprise / user / kind
    # done and next_due ride along so the overdue list walks this index in date order
    # without reading rows (an index on next_due makes SQLite sort all overdue rows)
    "ix_followup_live_date": ("followup", ["deleted_at", "date", "done", "next_due"]),
    "ix_followup_project_live": ("followup", ["project_id", "deleted_at", "date"]),
    "ix_followup_enterprise_live": ("followup", ["enterprise_id", "deleted_at", "date"]),
    "ix_followup_user_live": ("followup", ["user_id", "deleted_at", "date"]),
    "ix_followup_user_open_due": ("followup", ["user_id", "done", "next_due"]),
    "ix_followup_kind_live": ("followup", ["kind", "deleted_at", "date"]),
}

# table → text columns of the keyword search (crm/queries/search.py SEARCH_COLUMNS).
SEARCH_COLUMNS = {
    "enterprise": ["name"],
    "project": ["name", "introducer"],
    "followup": ["summary", "next_step", "participants"],
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts_up()
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in SEARCH_COLUMNS.items():
            for col in columns:
                op.execute(f"CREATE INDEX ix_{table}_{col}_trgm ON {table} "
                           f"USING gin (lower({col}) gin_trgm_ops)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in SEARCH_COLUMNS:
            for action in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{action}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    elif dialect == "postgresql":
        for table, columns in SEARCH_COLUMNS.items():
            for col in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{col}_trgm")
    for name, (table, _columns) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)


def _sqlite_fts_up() -> None:
    bind = op.get_bind()
    version = tuple(int(x) for x in bind.exec_driver_sql("select sqlite_version()")
                    .scalar().split("."))
    if version < (3, 34, 0):
        raise RuntimeError("关键词检索需要 SQLite 3.34 以上（FTS5 trigram 分词器），当前为 "
                           + ".".join(map(str, version)))
    for table, columns in SEARCH_COLUMNS.items():
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5({cols}, content='{table}', "
                   f"content_rowid='id', tokenize='trigram')")
        op.execute(f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {table}_fts(rowid, {cols}) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {table}_fts({table}_fts, rowid, {cols}) "
                   f"VALUES ('delete', old.id, {old}); END")
        op.execute(f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {cols} ON {table} BEGIN "
                   f"INSERT INTO {table}_fts({table}_fts, rowid, {cols}) "
                   f"VALUES ('delete', old.id, {old}); "
                   f"INSERT INTO {table}_fts(rowid, {cols}) VALUES (new.id, {new}); END")
        op.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
