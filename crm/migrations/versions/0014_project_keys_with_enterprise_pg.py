"""PostgreSQL: a project's short-keyword keys include its enterprise's name

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 06:10:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# A project list searches its enterprises' names too. For 1–2 characters PostgreSQL
# read two side tables (0009) and joined the enterprises' matches to their projects:
# 光电 at 30k projects / 100k enterprises, 14 ms to count. With the enterprise's name
# in project_short_pg the count is one GIN lookup, 3 ms. Renaming an enterprise
# rewrites its projects' keys (a trigger); SQLite joins its FTS tables instead.
SYNC = """
CREATE OR REPLACE FUNCTION project_short_pg_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ROW(OLD.name, OLD.introducer, OLD.enterprise_id)
            IS NOT DISTINCT FROM ROW(NEW.name, NEW.introducer, NEW.enterprise_id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO project_short_pg (id, keys) VALUES (NEW.id, search_short_keys_pg(
        NEW.name, NEW.introducer, (SELECT name FROM enterprise WHERE id = NEW.enterprise_id)))
    ON CONFLICT (id) DO UPDATE SET keys = EXCLUDED.keys;
    RETURN NULL;
END
$$"""
RENAMED = """
CREATE FUNCTION project_short_pg_enterprise_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE project_short_pg s SET keys = search_short_keys_pg(p.name, p.introducer, NEW.name)
    FROM project p WHERE p.enterprise_id = NEW.id AND s.id = p.id;
    RETURN NULL;
END
$$"""
# 0009's function, for the way down
OLD_SYNC = """
CREATE OR REPLACE FUNCTION project_short_pg_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ROW(OLD.name, OLD.introducer)
            IS NOT DISTINCT FROM ROW(NEW.name, NEW.introducer) THEN
        RETURN NULL;
    END IF;
    INSERT INTO project_short_pg (id, keys)
    VALUES (NEW.id, search_short_keys_pg(NEW.name, NEW.introducer))
    ON CONFLICT (id) DO UPDATE SET keys = EXCLUDED.keys;
    RETURN NULL;
END
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SYNC)
    op.execute(RENAMED)
    op.execute("CREATE TRIGGER project_short_pg_enterprise_au AFTER UPDATE OF name ON enterprise "
               "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
               "EXECUTE FUNCTION project_short_pg_enterprise_sync()")
    _refill("search_short_keys_pg(p.name, p.introducer, e.name)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS project_short_pg_enterprise_au ON enterprise")
    op.execute("DROP FUNCTION IF EXISTS project_short_pg_enterprise_sync()")
    op.execute(OLD_SYNC)
    _refill("search_short_keys_pg(p.name, p.introducer)")


def _refill(keys: str) -> None:
    op.execute(f"UPDATE project_short_pg s SET keys = {keys} FROM project p "
               f"LEFT JOIN enterprise e ON e.id = p.enterprise_id WHERE s.id = p.id")
    op.execute("ANALYZE project_short_pg")
