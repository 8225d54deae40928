"""`zhaoshang serve`: the real command in its own process answers, and the server's
garbage-collector settings (crm/server.py) are what it says."""

import gc
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crm import server


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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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
