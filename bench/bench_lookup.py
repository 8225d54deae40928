"""Pickers: time per keystroke of crm.queries.lookup (what /enterprises/lookup and
/projects/lookup answer) on the benchmark data (bench/generate.py: 100k enterprises).

    .venv/bin/python bench/bench_lookup.py [--url sqlite:///bench/data/bench.db] [--names 30]

Each of ``--names`` enterprises (and projects) picked at random is "typed" one keystroke
at a time: its name's first 1…8 characters, its pinyin initials' first 1…6 letters and
its credit code's first 2…18 characters; then words in most names (公司, 科技), a word
in none, and single characters. Every keystroke is one lookup, timed with a warm cache
(the first query of each shape compiles; it is run once before timing). Prints the
median, 95th percentile and worst per kind, in milliseconds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from crm import create_app  # noqa: E402
from crm.db import session_scope  # noqa: E402
from crm.models import Enterprise, Project  # noqa: E402
from crm.queries import lookup  # noqa: E402

FREQUENT = ["公司", "科技", "有限公司", "长春", "光电", "吉林", "kj", "yxgs", "9122"]
RARE = ["不存在的企业名", "zzzzqx", "91ZZZZ"]


def keystrokes(name: str, keys: str, code: str | None) -> dict[str, list[str]]:
    initials = keys.split(" ", 1)[0]
    out = {"name": [name[:n] for n in range(1, min(len(name), 8) + 1)],
           "initials": [initials[:n] for n in range(1, min(len(initials), 6) + 1)]}
    if code:
        out["credit_code"] = [code[:n] for n in range(2, len(code) + 1)]
    return out


def timed(call, q: str) -> float:
    started = time.perf_counter()
    json.dumps([m.as_json() for m in call(q)], ensure_ascii=False)
    return (time.perf_counter() - started) * 1000


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"n": len(values), "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(values[int(len(values) * 0.95) - 1], 2),
            "max_ms": round(values[-1], 2)}


def run(session, model, call, names: int, rnd: random.Random) -> dict:
    total = session.exec(select(func.count()).select_from(model)).one()
    times: dict[str, list[float]] = {}
    columns = [model.name, model.lookup_keys] + (
        [Enterprise.credit_code] if model is Enterprise else [])
    for _ in range(names):
        row = session.exec(select(*columns).where(model.id == rnd.randint(1, total))).first()
        if row is None:
            continue
        code = row[2] if len(row) > 2 else None
        for kind, typed in keystrokes(row[0], row[1], code).items():
            for q in typed:
                times.setdefault(kind, []).append(timed(call, q))
    for kind, words in (("frequent", FREQUENT), ("rare", RARE)):
        times[kind] = [timed(call, q) for q in words]
    every = [t for ts in times.values() for t in ts]
    return {"rows": total, **{k: summary(v) for k, v in times.items()},
            "all": summary(every)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("ZHAOSHANG_DATABASE_URL")
                   or f"sqlite:///{ROOT / 'bench' / 'data' / 'bench.db'}")
    p.add_argument("--names", type=int, default=30)
    p.add_argument("--seed", type=int, default=16)
    args = p.parse_args()
    app = create_app({"DATABASE_URL": args.url, "INSTANCE_PATH": str(ROOT / "bench" / "data"),
                      "SECRET_KEY": "bench"})
    rnd = random.Random(args.seed)
    with app.app_context(), session_scope() as s:
        for q in ["长", "长春光电", "cc", "9122"]:  # compile each statement shape once
            lookup.enterprises(s, q)
            lookup.projects(s, q)
        report = {
            "backend": s.get_bind().dialect.name,
            "enterprises": run(s, Enterprise, lambda q: lookup.enterprises(s, q),
                               args.names, rnd),
            "projects": run(s, Project, lambda q: lookup.projects(s, q), args.names, rnd),
            "projects_one_city": run(s, Project, lambda q: lookup.projects(
                s, q, city_code="220100"), args.names // 2, rnd),
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
