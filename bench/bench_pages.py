"""Latency of the list, filter and keyword-search pages and their API, through a
real waitress server with concurrent clients, next to a bare Flask route served
by the same server (the baseline every ratio is taken against).

    .venv/bin/python bench/generate.py                 # the data set first
    .venv/bin/python bench/bench_pages.py --label after
    .venv/bin/python bench/bench_pages.py --compare before after

The server runs in its own process (`--serve`, started by this script) so the
clients' Python threads do not share its GIL. Each client keeps one HTTP/1.1
connection open, logged in like a browser (the login form, CSRF on); API calls
carry a Bearer token. Pages or endpoints that do not exist yet (404) are listed
as skipped. Results go to bench/results/pages-<backend>-<label>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
DEFAULT_SQLITE = ROOT / "bench" / "data" / "bench.db"
BARE = "/__bench/bare"


def database_url(args) -> str:
    return args.url or os.environ.get("ZHAOSHANG_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def app_config(url: str) -> dict:
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(ROOT / "bench" / "data"),
            "SECRET_KEY": "bench-pages", "WTF_CSRF_ENABLED": True}


# --- the server process --------------------------------------------------------------

def serve(url: str, port: int, threads: int, workers: int | None) -> None:
    from crm import create_app, server

    app = create_app(app_config(url))

    @app.route(BARE)
    def bare():  # the baseline: routing, a response, no session and no database
        return "ok"

    # as `zhaoshang serve` runs it (crm/server.py: waitress, garbage-collector settings)
    server.run(app, host="127.0.0.1", port=port, threads=threads,
               workers=server.worker_count(workers), ident="bench", _quiet=True)


# --- the cases ---------------------------------------------------------------------

def cases(url: str) -> list[tuple[str, str, str]]:
    """(group, name, path) for every page and API call measured; values picked
    from the data so the filters hit real rows."""
    from sqlmodel import func, select

    from crm import create_app
    from crm.db import session_scope
    from crm.models import Enterprise, Project

    app = create_app(app_config(url))
    with app.app_context(), session_scope() as s:
        segment = s.exec(select(Project.chain_segment, func.count()).group_by(
            Project.chain_segment).order_by(func.count().desc())).first()[0]
        rare = s.exec(select(Enterprise.name).where(Enterprise.deleted_at.is_(None))
                      .order_by(Enterprise.id.desc())).first()
    seg = quote(segment)
    rare_q = quote(rare[2:8])  # six characters from the middle of one real name
    out = [
        ("基准", "bare Flask route", BARE),
        ("企业", "list", "/enterprises"),
        ("企业", "list page 50", "/enterprises?page=50"),
        ("企业", "filter city", "/enterprises?city_code=220100"),
        ("企业", "filter segment+key", f"/enterprises?chain_segment={seg}&is_key_target=1"),
        ("企业", "filter jizhe, sort revenue", "/enterprises?jizhe=1&sort=-revenue"),
        ("企业", "search 2 chars 光电", "/enterprises?q=" + quote("光电")),
        ("企业", "search 4 chars 光电科技", "/enterprises?q=" + quote("光电科技")),
        ("企业", "search rare 6 chars", "/enterprises?q=" + rare_q),
        ("企业", "search no match", "/enterprises?q=" + quote("不存在的名字")),
        ("项目", "list", "/projects"),
        ("项目", "filter city+stage", "/projects?city_code=220100&stage=negotiation"),
        ("项目", "filter segment, sort planned", f"/projects?chain_segment={seg}&sort=-planned"),
        ("项目", "filter case_by_case", "/projects?case_by_case=1"),
        ("项目", "filter jizhe", "/projects?jizhe=1"),
        ("项目", "search 2 chars 光电", "/projects?q=" + quote("光电")),
        ("项目", "search 4 chars 研发中心", "/projects?q=" + quote("研发中心")),
        ("跟进", "list", "/followups"),
        ("跟进", "filter overdue", "/followups?overdue=1"),
        ("跟进", "filter city", "/followups?city_code=220100"),
        ("跟进", "search 4 chars 用地指标", "/followups?q=" + quote("用地指标")),
        ("API", "enterprises", "/api/v1/enterprises"),
        ("API", "enterprises search 光电", "/api/v1/enterprises?q=" + quote("光电")),
        ("API", "projects city+stage", "/api/v1/projects?city_code=220100&stage=negotiation"),
        ("API", "projects search 研发中心", "/api/v1/projects?q=" + quote("研发中心")),
        ("API", "followups overdue", "/api/v1/followups?overdue=1"),
        ("全量页面", "home", "/"),
        ("全量页面", "statistics", "/stats"),
        ("全量页面", "statistics API", "/api/v1/stats"),
        ("全量页面", "一事一议 docket", "/case-by-case"),
        ("全量页面", "吉浙 matrix", "/jizhe"),
        ("全量页面", "project board", "/projects/board"),
    ]
    return out


# --- the client ---------------------------------------------------------------------

class Client:
    """One keep-alive connection with the session cookie or the API token."""

    def __init__(self, port: int, cookie: str, token: str):
        self.port, self.cookie, self.token = port, cookie, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, int, float]:
        headers = {"Accept-Language": "zh-CN"}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
            headers["Accept"] = "application/json"
        else:
            headers["Cookie"] = self.cookie
        t = time.perf_counter()
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - t
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return response.status, len(body), elapsed


def login(port: int, username: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = _cookie(response)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    body = urlencode({"csrf_token": token.group(1) if token else "", "username": username,
                      "password": password})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
        "Referer": f"http://127.0.0.1:{port}/login"})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"登录失败（HTTP {response.status}）：检查 bench 用户与密码")
    return _cookie(response) or cookie


def _cookie(response) -> str:
    for key, value in response.getheaders():
        if key.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return ""


def api_token(url: str, username: str) -> str:
    from crm import create_app
    from crm.db import session_scope
    from crm.services import users

    app = create_app(app_config(url))
    with app.app_context(), session_scope() as s:
        user = users.get_by_username(s, username)
        if user is None:
            raise SystemExit(f"没有用户 {username}：先运行 bench/generate.py")
        return users.create_token(s, user=user, name="bench_pages")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def measure(port: int, cookie: str, token: str, path: str, clients: int, requests: int,
            warmup: int) -> dict:
    pool = [Client(port, cookie, token) for _ in range(clients)]
    status, size, _ = pool[0].get(path)
    if status != 200:
        return {"status": status}
    for i in range(warmup):
        pool[i % clients].get(path)
    times: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    per_client = max(requests // clients, 1)

    def work(client: Client) -> None:
        for _ in range(per_client):
            code, _size, elapsed = client.get(path)
            with lock:
                times.append(elapsed)
                if code != 200:
                    errors.append(code)

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in pool]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"status": 200, "bytes": size, "n": len(times), "errors": len(errors),
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(percentile(times, 95) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2),
            "rps": round(len(times) / wall, 1)}


def worker_args(args) -> list[str]:
    return [] if args.workers is None else ["--workers", str(args.workers)]


def served_workers(args) -> int:
    from crm import server

    return server.worker_count(args.workers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("服务进程已退出")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("服务未能启动")


def machine() -> dict:
    import platform


    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "cpu": _cpu_name()}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def data_size(url: str) -> dict:
    from sqlmodel import func, select

    from crm import create_app
    from crm.db import get_engine, session_scope
    from crm.models import Enterprise, FollowUp, Project

    app = create_app(app_config(url))
    with app.app_context(), session_scope() as s:
        out = {m.__tablename__: s.exec(select(func.count()).select_from(m)).one()
               for m in (Enterprise, Project, FollowUp)}
        out["backend"] = get_engine(app).dialect.name
        from sqlalchemy import text
        out["alembic"] = s.connection().execute(
            text("select version_num from alembic_version")).scalar()
    return out


def run(args) -> dict:
    url = database_url(args)
    size = data_size(url)
    token = api_token(url, args.user)
    all_cases = cases(url)
    if args.only:
        all_cases = [c for c in all_cases if c[2] == BARE or re.search(args.only, c[2] + c[1])]
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--url", url,
                             "--threads", str(args.threads), *worker_args(args)])
    try:
        wait_for(port, proc)
        cookie = login(port, args.user, args.password)
        rows = []
        for group, name, path in all_cases + [("基准", "bare Flask route (again)", BARE)]:
            result = measure(port, cookie, token, path, args.clients, args.requests,
                             args.warmup)
            rows.append({"group": group, "name": name, "path": path, **result})
            _print_row(rows[-1])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bare = [r["p50_ms"] for r in rows if r["path"] == BARE and "p50_ms" in r]
    base = statistics.median(bare)
    for r in rows:
        if "p50_ms" in r:
            r["ratio_p50_to_bare"] = round(r["p50_ms"] / base, 1)
    return {"label": args.label, "data": size, "machine": machine(),
            "clients": args.clients, "requests": args.requests, "server_threads": args.threads,
            "server_workers": served_workers(args),
            "bare_p50_ms": base, "rows": rows,
            "at": time.strftime("%Y-%m-%d %H:%M:%S")}


def _print_row(r: dict) -> None:
    if r.get("status") != 200:
        print(f"{r['group']:<6} {r['name']:<32} HTTP {r.get('status')} — skipped", flush=True)
        return
    print(f"{r['group']:<6} {r['name']:<32} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f}"
          f" ms  {r['rps']:>7.1f} req/s  {r['bytes'] / 1024:>7.1f} KiB"
          + (f"  errors {r['errors']}" if r["errors"] else ""), flush=True)


def markdown(result: dict) -> str:
    lines = [f"p50/p95 in ms, {result['clients']} concurrent clients, {result['requests']} "
             f"requests per row, waitress processes={result.get('server_workers', 1)} × "
             f"threads={result['server_threads']}; "
             f"bare Flask route p50 = {result['bare_p50_ms']} ms.", "",
             "| area | case | p50 ms | p95 ms | p50 ÷ bare | req/s |",
             "|---|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        if r.get("status") != 200:
            lines.append(f"| {r['group']} | {r['name']} (`{r['path']}`) | — | — | "
                         f"HTTP {r.get('status')} | |")
            continue
        lines.append(f"| {r['group']} | {r['name']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['ratio_p50_to_bare']} | {r['rps']} |")
    return "\n".join(lines)


def compare(backend: str, before: str, after: str) -> str:
    a = json.loads((RESULTS / f"pages-{backend}-{before}.json").read_text())
    b = json.loads((RESULTS / f"pages-{backend}-{after}.json").read_text())
    old = {r["path"]: r for r in a["rows"]}
    lines = [f"| area | case | p50 {before} | p50 {after} | p95 {before} | p95 {after} | "
             f"{before} ÷ {after} (p50) |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in b["rows"]:
        o = old.get(r["path"])
        if not o or "p50_ms" not in o or "p50_ms" not in r:
            continue
        lines.append(f"| {r['group']} | {r['name']} | {o['p50_ms']} | {r['p50_ms']} | "
                     f"{o['p95_ms']} | {r['p95_ms']} | {o['p50_ms'] / r['p50_ms']:.1f}× |")
    return "\n".join(lines)


FILTERS = {"/enterprises": "EnterpriseFilters", "/projects": "ProjectFilters",
           "/followups": "FollowUpFilters", "/api/v1/enterprises": "EnterpriseFilters",
           "/api/v1/projects": "ProjectFilters", "/api/v1/followups": "FollowUpFilters"}


def run_queries(args) -> dict:
    """In-process, no HTTP: the list query of each case (filters → list_page), alone.
    Shows what the database costs, before the pages exist and beside them."""
    from urllib.parse import parse_qsl, urlsplit

    from werkzeug.datastructures import MultiDict

    from crm import create_app, queries
    from crm.db import get_engine, get_session

    url = database_url(args)
    app = create_app(app_config(url))
    rows = []
    with app.app_context():
        engine = get_engine(app)
        for group, name, path in cases(url):
            parts = urlsplit(path)
            cls = FILTERS.get(parts.path)
            if cls is None or parts.path.startswith("/api/"):
                continue
            f = getattr(queries, cls).from_args(MultiDict(parse_qsl(parts.query)))
            times = []
            for _ in range(args.repeat):
                session = get_session()
                t = time.perf_counter()
                # as the pages call it: follow-ups count to the cap
                page = queries.list_page(session, f, per_page=50)
                times.append(time.perf_counter() - t)
                session.close()
            rows.append({"group": group, "name": name, "path": path, "total": page.total,
                         "p50_ms": round(statistics.median(times) * 1000, 2),
                         "max_ms": round(max(times) * 1000, 2)})
            print(f"{group:<6} {name:<32} {rows[-1]['p50_ms']:>8.2f} ms  "
                  f"({page.total} rows match)", flush=True)
        backend = engine.dialect.name
    return {"label": args.label, "kind": "queries", "backend": backend, "rows": rows,
            "data": data_size(url), "at": time.strftime("%Y-%m-%d %H:%M:%S")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url")
    p.add_argument("--label", default="run")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--requests", type=int, default=100, help="per case, over all clients")
    p.add_argument("--warmup", type=int, default=4)
    p.add_argument("--threads", type=int, default=8, help="waitress threads (as zhaoshang serve)")
    p.add_argument("--workers", type=int, default=None,
                   help="waitress processes (default as zhaoshang serve: one per core)")
    p.add_argument("--user", default="bench")
    p.add_argument("--password", default=os.environ.get("ZHAOSHANG_BENCH_PASSWORD",
                                                        "Bench-Passw0rd!"))
    p.add_argument("--only", help="regex on path/name: run only matching cases")
    p.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    p.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    p.add_argument("--queries", action="store_true",
                   help="time only each list's query in-process (filters → paginate)")
    p.add_argument("--repeat", type=int, default=15, help="for --queries")
    p.add_argument("--backend", default=None, help="for --compare: sqlite or postgresql")
    args = p.parse_args(argv)
    if args.serve:
        serve(database_url(args), args.serve, args.threads, args.workers)
        return 0
    if args.compare:
        backend = args.backend or ("postgresql" if "postgres" in database_url(args) else "sqlite")
        print(compare(backend, *args.compare))
        return 0
    if args.queries:
        result = run_queries(args)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"queries-{result['backend']}-{args.label}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"\n→ {out}")
        return 0
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pages-{result['data']['backend']}-{args.label}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print()
    print(markdown(result))
    print(f"\n→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
