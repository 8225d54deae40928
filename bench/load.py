"""Load test: a real server (waitress, `zhaoshang serve` in its own process) on
127.0.0.1 with a fresh SQLite (WAL) database; concurrent readers and writers for a
fixed time; then every acknowledged write is checked in the database.

    .venv/bin/python bench/load.py [--seconds 60] [--readers 6] [--writers 4]

Readers: logged-in browser sessions (home page, project list with filters, a project
page) and API list/detail calls. Writers: API clients creating projects, editing them
(PATCH with the version they hold; a 409 is a correct answer, not an error) and adding
follow-ups. Only 127.0.0.1 is contacted; the loop is bounded by --seconds and stops itself.
Errors: any 5xx, any connection failure, and any response mentioning "database is locked".
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "Load-Test-Passw0rd!"
CITIES = ["220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800",
          "222400"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict, writers: int) -> tuple[list[str], str]:
    """Migrate, seed, create users and tokens (in this process, before the server)."""
    os.environ.update(env)
    from crm import create_app
    from crm.db import get_engine, session_scope
    from crm.migrate import upgrade
    from crm.services import reference, users

    app = create_app()
    with app.app_context():
        upgrade(app)
        with session_scope() as s:
            reference.seed_reference(s)
            writer = users.create_user(s, username="loadwriter", password=PASSWORD,
                                       role="staff")
            users.create_user(s, username="loadreader", password=PASSWORD, role="viewer")
            tokens = [users.create_token(s, user=writer, name=f"w{i}") for i in range(writers)]
            reader_token = users.create_token(
                s, user=users.get_by_username(s, "loadreader"), name="r")
    get_engine(app).dispose()
    return tokens, reader_token


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)  # kind → seconds
        self.status = Counter()
        self.errors = []

    def add(self, kind: str, seconds: float, status: int, body: bytes | str = b""):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[status] += 1
            if status >= 500 or status == 0 or "database is locked" in text:
                self.errors.append(f"{kind}: {status} {text[:200]}")


def call(opener, stats: Stats, kind: str, method: str, url: str, *, token: str | None = None,
         body: dict | None = None, form: dict | None = None):
    data, headers = None, {}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            payload, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    except OSError as exc:
        payload, status = str(exc).encode(), 0
    stats.add(kind, time.perf_counter() - start, status, payload)
    return status, payload


def writer_loop(base, token, stop, stats, written, lock, seed):
    rng = random.Random(seed)
    opener = urllib.request.build_opener()
    mine: list[dict] = []
    n = 0
    while not stop.is_set():
        n += 1
        action = rng.random()
        if action < 0.5 or not mine:
            name = f"压测项目-{seed}-{n}"
            body = {"name": name, "city_code": rng.choice(CITIES), "stage": "lead",
                    "planned_investment_wan": str(rng.choice([800, 5000, 120000])),
                    "source_province": rng.choice(["浙江省", "广东省", None])}
            status, payload = call(opener, stats, "api create project", "POST",
                                   f"{base}/api/v1/projects", token=token, body=body)
            if status == 201:
                p = json.loads(payload)
                mine.append({"id": p["id"], "name": name, "version": p["version"],
                             "notes": "", "followups": 0})
        elif action < 0.8:
            p = rng.choice(mine)
            notes = f"备注 {seed}-{n}"
            status, payload = call(opener, stats, "api patch project", "PATCH",
                                   f"{base}/api/v1/projects/{p['id']}", token=token,
                                   body={"notes": notes, "version": p["version"]})
            if status == 200:
                p["version"], p["notes"] = json.loads(payload)["version"], notes
        else:
            p = rng.choice(mine)
            status, _ = call(opener, stats, "api create follow-up", "POST",
                             f"{base}/api/v1/followups", token=token,
                             body={"project_id": p["id"], "kind": "call", "date": "2024-05-06",
                                   "summary": f"压测跟进 {seed}-{n}"})
            if status == 201:
                p["followups"] += 1
    with lock:
        written.extend(mine)


def reader_loop(base, token, stop, stats, seed):
    rng = random.Random(seed)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, page = call(opener, stats, "web login page", "GET", f"{base}/login")
    csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    status, _ = call(opener, stats, "web login", "POST", f"{base}/login",
                     form={"username": "loadreader", "password": PASSWORD, "csrf_token": csrf})
    api_opener = urllib.request.build_opener()
    while not stop.is_set():
        r = rng.random()
        if r < 0.2:
            call(opener, stats, "web home", "GET", f"{base}/")
        elif r < 0.45:
            city = rng.choice(CITIES)
            call(opener, stats, "web project list", "GET",
                 f"{base}/projects?city_code={city}&page=1")
        elif r < 0.55:
            call(opener, stats, "web project page", "GET", f"{base}/projects/{rng.randint(1, 50)}")
        elif r < 0.8:
            call(api_opener, stats, "api list projects", "GET",
                 f"{base}/api/v1/projects?q=压测&per_page=20".replace("压测", "%E5%8E%8B%E6%B5%8B"),
                 token=token)
        else:
            call(api_opener, stats, "api get project", "GET",
                 f"{base}/api/v1/projects/{rng.randint(1, 50)}", token=token)


def verify(env: dict, written: list[dict]) -> list[str]:
    os.environ.update(env)
    from sqlmodel import select

    from crm import create_app
    from crm.db import get_engine, session_scope
    from crm.models import FollowUp, Project

    problems = []
    app = create_app()
    with app.app_context(), session_scope() as s:
        for p in written:
            row = s.get(Project, p["id"])
            if row is None or row.name != p["name"]:
                problems.append(f"项目 {p['id']} 缺失或名称不符")
                continue
            if row.notes != p["notes"]:
                problems.append(f"项目 {p['id']} 备注：期望 {p['notes']!r}，实际 {row.notes!r}")
            count = len(s.exec(select(FollowUp.id).where(FollowUp.project_id == p["id"])).all())
            if count != p["followups"]:
                problems.append(f"项目 {p['id']} 跟进记录：期望 {p['followups']}，实际 {count}")
    get_engine(app).dispose()
    return problems


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--readers", type=int, default=6)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=8, help="waitress threads per process")
    ap.add_argument("--workers", type=int, default=None,
                    help="waitress processes (default as zhaoshang serve: one per core)")
    args = ap.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="zhaoshang-load-"))
    env = {"ZHAOSHANG_INSTANCE_PATH": str(instance),
           "ZHAOSHANG_DATABASE_URL": f"sqlite:///{instance / 'load.db'}",
           "ZHAOSHANG_SECRET_KEY": "load-test-secret"}
    tokens, reader_token = prepare(env, args.writers)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The server's output goes to a file: a pipe nobody reads fills up and freezes it.
    log_path = instance / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", "from crm.cli import main; main()", "serve", "--host",
         "127.0.0.1", "--port", str(port), "--threads", str(args.threads),
         *([] if args.workers is None else ["--workers", str(args.workers)])],
        env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    print(log_path.read_text(errors="replace"))
                    raise SystemExit("服务器未能启动") from None
                time.sleep(0.2)
        stats, stop, lock, written = Stats(), threading.Event(), threading.Lock(), []
        threads = [threading.Thread(target=writer_loop,
                                    args=(base, tokens[i], stop, stats, written, lock, i))
                   for i in range(args.writers)]
        threads += [threading.Thread(target=reader_loop,
                                     args=(base, reader_token, stop, stats, 100 + i))
                    for i in range(args.readers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    problems = verify(env, written)
    server_log = log_path.read_text(errors="replace").splitlines()

    total = sum(len(v) for v in stats.latency.values())
    every = [x for v in stats.latency.values() for x in v]
    print(f"时长 {elapsed:.1f} s；读 {args.readers} 线程，写 {args.writers} 线程；"
          f"waitress {args.threads} 线程；SQLite WAL：{instance / 'load.db'}")
    print(f"请求 {total}（{total / elapsed:.1f}/s）；状态 {dict(sorted(stats.status.items()))}")
    print(f"全部：p50 {statistics.median(every) * 1000:.0f} ms，"
          f"p95 {pct(every, 0.95) * 1000:.0f} ms，max {max(every) * 1000:.0f} ms")
    print(f"{'请求类型':24s} {'次数':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    for kind, values in sorted(stats.latency.items()):
        print(f"{kind:24s} {len(values):7d} {statistics.median(values) * 1000:8.0f} "
              f"{pct(values, 0.95) * 1000:8.0f} {max(values) * 1000:8.0f}")
    shown = "：" + "; ".join(stats.errors[:5]) if stats.errors else ""
    print(f"错误 {len(stats.errors)}{shown}")
    tracebacks = sum("Traceback" in line for line in server_log)
    queue_warnings = sum("Task queue depth" in line for line in server_log)
    print(f"服务器日志 {log_path}：Traceback {tracebacks}，队列积压警告 {queue_warnings}")
    locked = sum("database is locked" in e for e in stats.errors) + sum(
        "database is locked" in line for line in server_log)
    print(f"“database is locked” 到达用户：{locked}")
    print(f"写入核对：{len(written)} 个项目（含其备注、跟进记录）"
          + ("全部在库" if not problems else f"，问题 {len(problems)}：{problems[:5]}"))
    return 1 if stats.errors or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
