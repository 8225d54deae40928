"""PostgreSQL: an index for keywords of one or two characters (<table>_short_pg)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 00:40:00

pg_trgm (0003) cannot look up 光电 (two characters, no trigram): a short keyword read
every row with LIKE, and once psycopg had prepared the statement, its generic plan
read the whole trigram index for every keyword (count and page: enterprises 70–160
ms, projects 95–240 ms, follow-ups 160–750 ms). <table>_short_pg(id, keys) holds each row's distinct
characters and neighbouring-character pairs of its lower()ed searchable columns (the
counterpart of SQLite's <table>_short_fts, 0006); a GIN index answers
``keys @> ARRAY['光电']``.

* A side table, not the main row: a stored generated array column widened every row
  and made other searches 3–5× slower; an expression GIN index got its function
  called on every row a list walked in updated_at order (bench/README.md).
* Triggers keep it in step: after insert, and after an update that changed a searched
  column (tested in the function: a trigger naming columns would block a later
  ALTER COLUMN … TYPE on them). ON DELETE CASCADE removes a row's keys, TRUNCATE …
  CASCADE empties the table; soft deletion changes nothing here.
* keys COLLATE "C": only compared for equality; builds the GIN index 35 % faster than
  the database's C.UTF-8.
* search_short_keys_pg is PL/pgSQL: the same set-based SQL was ~40× slower (the split
  text was recomputed for every reference). If it changes, refill these tables.
* The triggers are created before the fill and lock each table against writers, so
  no row slips in between.

Measured on the bench database (100k enterprises, 30k projects, 300k follow-ups,
PostgreSQL 15): the upgrade takes 27 s (follow-ups 23 s) and adds 375 MB, 323 MB of
it for follow-ups (a 262 MB heap: ~83 pieces a row). SQLite: nothing to do (0006).
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FUNCTION = "search_short_keys_pg"
# table → text columns of the keyword search (crm/queries/search.py SEARCH_COLUMNS).
SEARCH_COLUMNS = {
    "enterprise": ["name"],
    "project": ["name", "introducer"],
    "followup": ["summary", "next_step", "participants"],
}

KEYS_FUNCTION = f"""
CREATE FUNCTION {FUNCTION}(VARIADIC texts text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    t text;
    chars text[];
    pieces text[] := '{{}}';
BEGIN
    FOREACH t IN ARRAY texts LOOP
        CONTINUE WHEN t IS NULL OR t = '';
        chars := string_to_array(lower(t), NULL);  -- one element per character
        pieces := pieces || chars;
        FOR i IN 1 .. cardinality(chars) - 1 LOOP
            pieces := pieces || (chars[i] || chars[i + 1]);
        END LOOP;
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT unnest(pieces));
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(KEYS_FUNCTION)
    for table, columns in SEARCH_COLUMNS.items():
        short = f"{table}_short_pg"
        new = ", ".join(f"NEW.{c}" for c in columns)
        old = ", ".join(f"OLD.{c}" for c in columns)
        op.execute(f"CREATE TABLE {short} (id integer PRIMARY KEY "
                   f"REFERENCES {table}(id) ON DELETE CASCADE, keys text[] COLLATE \"C\" NOT NULL)")
        op.execute(f"""
CREATE FUNCTION {short}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ROW({old}) IS NOT DISTINCT FROM ROW({new}) THEN
        RETURN NULL;
    END IF;
    INSERT INTO {short} (id, keys) VALUES (NEW.id, {FUNCTION}({new}))
    ON CONFLICT (id) DO UPDATE SET keys = EXCLUDED.keys;
    RETURN NULL;
END
$$""")
        op.execute(f"CREATE TRIGGER {short}_ai AFTER INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {short}_sync()")
        op.execute(f"CREATE TRIGGER {short}_au AFTER UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {short}_sync()")
        op.execute(f"INSERT INTO {short} (id, keys) "
                   f"SELECT id, {FUNCTION}({', '.join(columns)}) FROM {table}")
        op.execute(f"CREATE INDEX ix_{table}_short_keys_pg ON {short} USING gin (keys)")
        op.execute(f"ANALYZE {short}")  # element statistics for the planner from the start


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SEARCH_COLUMNS:
        short = f"{table}_short_pg"
        for action in ("ai", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {short}_{action} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {short}_sync()")
        op.execute(f"DROP TABLE IF EXISTS {short}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text[])")
