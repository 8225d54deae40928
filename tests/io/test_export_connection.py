"""A streamed CSV download must not leave its database transaction open."""

from sqlalchemy import text

from crm.db import get_engine


def test_csv_download_leaves_no_open_transaction(app, staff_client):
    response = staff_client.get("/export/projects.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    response.close()
    engine = get_engine(app)
    if engine.dialect.name != "postgresql":
        return  # SQLite has no server to ask; the same code path ran above
    with engine.connect() as conn:
        stuck = conn.execute(text(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and state = 'idle in transaction'")).scalar()
    assert stuck == 0
