"""`zhaoshang serve`: the real command in its own process answers; with several
worker processes they share the connections and the login, one that dies is replaced
and all stop together; the server's garbage-collector settings (crm/server.py) are
what it says."""

import gc
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from multiprocessing.sharedctypes import RawArray
from pathlib import Path
from urllib.parse import urlencode

import pytest

from crm import server
from tests.conftest import PASSWORD, free_port


def test_tune_gc_freezes_start_up_and_raises_the_threshold():
    before = gc.get_threshold()
    try:
        server.tune_gc()
        assert gc.get_threshold() == server.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_zhaoshang_serve_answers(app):
    port = free_port()
    env = {**os.environ, "ZHAOSHANG_DATABASE_URL": app.config["DATABASE_URL"],
           "ZHAOSHANG_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "ZHAOSHANG_SECRET_KEY": "test-secret"}
    command = Path(sys.executable).with_name("zhaoshang")  # the installed console script
    proc = subprocess.Popen([str(command), "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    status, body = r.status, r.read().decode()
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.3)
        assert status == 200 and "登录" in body
    finally:
        proc.terminate()
        proc.communicate(timeout=30)  # waits and closes the pipe


def test_least_connections_lets_only_the_least_loaded_worker_accept():
    loads = RawArray("i", [server.GONE] * 2)
    first, second = server.LeastConnections(loads, 0), server.LeastConnections(loads, 1)
    assert first.may_accept(1)  # the other worker has not started: it is not a rival
    assert second.may_accept(0)
    assert not first.may_accept(1)  # the other holds fewer
    assert second.may_accept(1)  # a tie: both may
    assert first.may_accept(1)
    assert not second.may_accept(2)
    assert list(loads) == [1, 2]


def test_worker_count(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert server.worker_count() == server.MAX_DEFAULT_WORKERS
    assert server.worker_count(3) == 3
    assert server.worker_count(0) == 1
    monkeypatch.delattr(os, "fork")  # as on Windows
    assert server.worker_count(4) == 1


# --- `zhaoshang serve` with several worker processes (Linux: read from /proc) ---------

def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _connections_per_worker(workers: set[int], port: int) -> dict[int, int]:
    """Established connections to ``port`` held by each worker process."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    counts = {}
    for pid in workers:
        links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()
                 if os.path.islink(f)]
        counts[pid] = sum(link[8:-1] in inodes for link in links if link.startswith("socket:["))
    return counts


def _login(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    conn.request("POST", "/login", body=urlencode(
        {"csrf_token": token, "username": username, "password": PASSWORD}), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
        "Referer": f"http://127.0.0.1:{port}/login"})
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 302
    return response.getheader("Set-Cookie").split(";", 1)[0]


def _wait(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out: {what}")


@pytest.mark.skipif(not Path("/proc/self/task").exists() or not hasattr(os, "fork"),
                    reason="reads worker processes and their sockets from Linux's /proc")
def test_workers_share_the_load_and_the_login_and_stop_together(app, make_user):
    user = make_user("staff")
    port = free_port()
    env = {**os.environ, "ZHAOSHANG_DATABASE_URL": app.config["DATABASE_URL"],
           "ZHAOSHANG_INSTANCE_PATH": app.config["INSTANCE_PATH"]}
    env.pop("ZHAOSHANG_SECRET_KEY", None)  # the key the instance keeps: every worker's
    proc = subprocess.Popen([str(Path(sys.executable).with_name("zhaoshang")), "serve",
                             "--port", str(port), "--workers", "2", "--threads", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: len(_children(proc.pid)) == 2, "two workers")
        started, workers = time.monotonic(), _children(proc.pid)
        _wait(lambda: _answers(port), "the server answers")
        cookie = _login(port, user.username)

        # four kept-alive connections, opened one after another: two per worker
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                       for _ in range(4)]
        for conn in connections:
            conn.request("GET", "/projects", headers={"Cookie": cookie})
            response = conn.getresponse()
            assert response.status == 200 and "招商项目" in response.read().decode()
        assert sorted(_connections_per_worker(workers, port).values()) == [2, 2]
        for conn in connections:
            conn.close()

        # a worker that dies is replaced (once it has lived past the start-up window)
        time.sleep(max(0.0, server.WORKER_MIN_LIFETIME_S + 0.5 - (time.monotonic() - started)))
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait(lambda: victim not in _children(proc.pid) and len(_children(proc.pid)) == 2,
              "a new worker")
        workers = _children(proc.pid)
        _wait(lambda: _answers(port), "the server answers after the restart")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode()  # EOF: every worker closed it
    assert proc.returncode == 0, output
    assert "2 个进程" in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked processes")
def test_workers_that_die_at_once_stop_the_server_with_an_error():
    """No restart loop: a worker that cannot serve (here: no app to serve) stops it."""
    script = ("import socket; from crm import server; "
              "server.Workers(None, socket.create_server(('127.0.0.1', 0)), 2, threads=1, "
              "options={}).run()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "启动后随即退出" in done.stderr


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False
