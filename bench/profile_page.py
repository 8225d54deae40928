"""Where one page's CPU goes: in-process requests through Flask's test client, logged in
as the bench user, with the per-request time and a cProfile summary.

    .venv/bin/python bench/profile_page.py /projects /followups?q=用地指标 [--repeat 50]

Uses bench/data/bench.db unless ZHAOSHANG_DATABASE_URL or --url says otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import app_config, database_url  # noqa: E402


def logged_in_client(app, username: str):
    from crm.db import session_scope
    from crm.services import users

    with app.app_context(), session_scope() as s:
        user_id = users.get_by_username(s, username).id
    client = app.test_client()
    with client.session_transaction() as sess:  # as Flask-Login stores a login
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
    return client


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+")
    p.add_argument("--url")
    p.add_argument("--user", default="bench")
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime", help="pstats sort key")
    args = p.parse_args(argv)

    from crm import create_app

    app = create_app(app_config(database_url(args)))
    client = logged_in_client(app, args.user)
    for path in args.paths:
        for _ in range(3):  # warm caches, compiled templates and statements
            assert client.get(path).status_code == 200, path
        cpu, wall = [], []
        profiler = cProfile.Profile()
        for _ in range(args.repeat):
            c, w = time.process_time(), time.perf_counter()
            client.get(path)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        profiler.enable()
        for _ in range(args.repeat):
            client.get(path)
        profiler.disable()
        print(f"\n== {path}: wall p50 {statistics.median(wall) * 1000:.2f} ms, "
              f"CPU p50 {statistics.median(cpu) * 1000:.2f} ms ({args.repeat} requests)")
        pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
