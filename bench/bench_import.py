"""Import benchmark: 10,000 enterprise rows from .xlsx.

Run by hand:  .venv/bin/python bench/bench_import.py [--rows 10000]
Cases (each in its own process): ``read`` = our reader (calamine) plus value
parsing of every cell; ``pandas`` = ``pandas.read_excel`` (openpyxl engine,
no parsing); ``preview`` / ``commit`` = the whole import through the service
functions (header matching, duplicate checks, 一事一议/吉浙 rules, audit) into
a fresh SQLite database; ``commit_full`` = the same into a copy of the generated
province-scale database (bench/data/bench.db: 100,000 enterprises to check against).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("read", "pandas", "preview", "commit", "commit_full")
INTO = ROOT / "bench" / "data" / "bench.db"  # commit_full: into a copy of the generated data
CITIES = ["长春", "吉林市", "延边州", "延边朝鲜族自治州", "四平市", "公主岭", "通化", "白城"]


POOL = "光电芯星车网华微联创源泰鑫瑞达通恒信科智能精密材料装备仪器半导体激光显示传感器件制造技术"


def distinct_name(i: int) -> str:
    """Names that differ in more than a digit, as real ones do."""
    import random

    rng = random.Random(i)
    return "吉林" + "".join(rng.choice(POOL) for _ in range(6)) + f"{i}有限公司"


def make_file(n: int, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名录")
    ws.append(["2024年重点招商企业名录"])
    ws.append(
        ["序号", "单位名称", "城市", "营业收入（万元）", "是否重点", "联系人", "手机", "备注"]
    )
    for i in range(n):
        revenue = ["1.2亿", "5000万", "5,000", "３０００万元", 800, None][i % 6]
        ws.append(
            [
                i + 1,
                distinct_name(i),
                CITIES[i % len(CITIES)],
                revenue,
                "是" if i % 3 == 0 else "否",
                f"联系人{i}",
                f"1380000{i:04d}",
                "批量导入",
            ]
        )
    wb.save(path)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_read(path: Path) -> int:
    from crm.services.importing import RowResult, _Parser, locate_header
    from crm.tabular.fields import ENTERPRISE_FIELDS
    from crm.tabular.readers import read_table

    sheet = read_table(path)
    at, match = locate_header(sheet, ENTERPRISE_FIELDS)
    parser = _Parser(ENTERPRISE_FIELDS, match, sheet.rows[at].values)
    return sum(1 for raw in sheet.rows[at + 1 :] if parser.parse(raw.values, RowResult(raw.number)))


def case_pandas(path: Path) -> int:
    import pandas as pd

    return len(pd.read_excel(path, header=1))


def case_service(path: Path, commit: bool, into: Path | None = None) -> int:
    """The import through the services, into a fresh database or a copy of ``into``."""
    import shutil

    from crm import create_app
    from crm.db import session_scope
    from crm.migrate import upgrade
    from crm.services import importing, reference, users

    tmp = Path(tempfile.mkdtemp())
    if into:
        shutil.copy(into, tmp / "b.db")
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
            if not into:
                reference.seed_reference(s)
            user = users.create_user(
                s, username="bench-import", password="Bench-Passw0rd!", role="staff"
            )
        global START
        START = time.perf_counter()
        with session_scope() as s:
            report = importing.run_import(
                session=s,
                kind="enterprises",
                data=path.read_bytes(),
                filename=path.name,
                user=s.merge(user),
                commit=commit,
            )
    assert report.rejected == 0, report.summary()
    return report.count("created" if commit else "new")


START = 0.0


def run_case(case: str, path: Path) -> dict:
    global START
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401

    import crm.services.importing  # noqa: F401

    base = rss_mb()
    START = time.perf_counter()
    fns = {
        "read": case_read,
        "pandas": case_pandas,
        "preview": lambda p: case_service(p, False),
        "commit": lambda p: case_service(p, True),
        "commit_full": lambda p: case_service(p, True, INTO),
    }
    count = fns[case](path)
    return {
        "case": case,
        "rows": count,
        "seconds": round(time.perf_counter() - START, 2),
        "peak_mb_over_baseline": round(rss_mb() - base, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.file)))
        return
    path = Path(tempfile.mkdtemp()) / "bench.xlsx"
    make_file(args.rows, path)
    print(json.dumps({"file_mb": round(path.stat().st_size / 1e6, 2), "rows": args.rows}))
    for case in CASES:
        if case == "commit_full" and not INTO.exists():
            print(json.dumps({"case": case, "skipped": f"no {INTO} (bench/generate.py)"}))
            continue
        out = subprocess.run(
            [sys.executable, __file__, "--case", case, "--file", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip())


if __name__ == "__main__":
    main()
