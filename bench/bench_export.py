"""Export benchmark: 100,000 rows to .xlsx, our streaming writer vs pandas.

Run by hand:  .venv/bin/python bench/bench_export.py [--rows 100000]
Each case runs in its own process; peak memory is the process's peak RSS
above what it used after imports (so pandas' DataFrame counts, as it must
exist before ``to_excel`` can run).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("ours", "ours_db", "pandas")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows(n: int):
    base = date(2024, 1, 1)
    for i in range(n):
        yield {
            "name": f"长春光电子测试项目{i:06d}",
            "enterprise": f"吉林测试电子有限公司{i % 5000}",
            "city": "长春市",
            "stage": "洽谈",
            "planned_investment_wan": Decimal(i % 200000) / 3,
            "case_by_case": i % 7 == 0,
            "last_followup_on": base + timedelta(days=i % 365),
            "notes": "=不是公式" if i % 1000 == 0 else "备注" * (i % 5),
        }


def columns():
    from crm.tabular.writers import Column

    return [
        Column("name", "项目名称"),
        Column("enterprise", "投资企业"),
        Column("city", "落地市（州）"),
        Column("stage", "阶段"),
        Column("planned_investment_wan", "计划投资额（万元）", "wan"),
        Column("case_by_case", "一事一议", "bool"),
        Column("last_followup_on", "最近跟进", "date"),
        Column("notes", "备注"),
    ]


def case_ours(n: int, out: Path) -> int:
    from crm.tabular.writers import write_xlsx

    return write_xlsx(out, columns(), rows(n), title="基准测试")


def case_pandas(n: int, out: Path) -> int:
    import pandas as pd

    frame = pd.DataFrame.from_records(list(rows(n)))
    frame.to_excel(out, index=False, engine="openpyxl")
    return len(frame)


def prepare_db(n: int, tmp: Path) -> Path:
    """A migrated, seeded SQLite database with ``n`` projects (bulk inserted)."""
    from sqlalchemy import insert

    from crm import create_app
    from crm.db import get_engine, session_scope
    from crm.migrate import upgrade
    from crm.models import Enterprise, Project
    from crm.services import reference

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        upgrade(app)
        with session_scope() as s:
            reference.seed_reference(s)
            s.execute(
                insert(Enterprise),
                [
                    {
                        "name": f"吉林测试电子有限公司{i}",
                        "kind": "other",
                        "priority": 2,
                        "notes": "",
                    }
                    for i in range(5000)
                ],
            )
            now = datetime(2024, 1, 1, tzinfo=UTC)
            for start in range(0, n, 10_000):
                s.execute(
                    insert(Project),
                    [
                        {
                            "name": f"长春光电子测试项目{i:06d}",
                            "enterprise_id": i % 5000 + 1,
                            "city_code": "220100",
                            "stage": "negotiation",
                            "project_class": "supporting",
                            "planned_investment_wan": Decimal(i % 200000),
                            "introducer": "",
                            "responsible_unit": "",
                            "notes": "",
                            "stage_reason": "",
                            "case_notes": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i in range(start, min(n, start + 10_000))
                    ],
                )
        get_engine(app).dispose()
    return tmp / "b.db"


def case_ours_db(n: int, out: Path) -> int:
    """The whole path: filters → SQLite → streaming writer, on a prepared database."""
    from crm import create_app
    from crm.db import session_scope
    from crm.services import exporting

    db = Path(DB_PATH)
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{db}", "INSTANCE_PATH": str(db.parent), "SECRET_KEY": "bench"}
    )
    global START
    START = time.perf_counter()  # time the export, not the app start-up
    with app.app_context(), session_scope() as s:
        result = exporting.export_list(
            session=s, kind="projects", args={}, fmt="xlsx", target=out, user=None
        )
    return result.count


DB_PATH = ""
START = 0.0


def run_case(case: str, n: int) -> dict:
    global START
    import openpyxl  # noqa: F401  (imports count as baseline)
    import pandas  # noqa: F401

    import crm  # noqa: F401
    import crm.services.exporting  # noqa: F401

    base = rss_mb()
    out = Path(tempfile.mkdtemp()) / f"{case}.xlsx"
    START = time.perf_counter()
    count = {"ours": case_ours, "pandas": case_pandas, "ours_db": case_ours_db}[case](n, out)
    seconds = time.perf_counter() - START
    return {
        "case": case,
        "rows": count,
        "seconds": round(seconds, 2),
        "peak_mb_over_baseline": round(rss_mb() - base, 1),
        "file_mb": round(out.stat().st_size / 1e6, 2),
    }


def main() -> None:
    global DB_PATH
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    if args.case:
        DB_PATH = args.db
        print(json.dumps(run_case(args.case, args.rows)))
        return
    db = prepare_db(args.rows, Path(tempfile.mkdtemp()))
    for case in CASES:
        command = [sys.executable, __file__, "--case", case, "--rows", str(args.rows),
                   "--db", str(db)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        print(out.stdout.strip())


if __name__ == "__main__":
    main()
