"""Serving the app with waitress: what `zhaoshang serve` and bench/bench_pages.py share.

One waitress process runs Python on one core at a time (the interpreter lock), so with
``workers`` > 1 the built app is forked into that many waitress processes sharing one
listening socket. Measured on 2 cores with 4 kept-alive clients: list pages p95
58–86 → 21–49 ms, twice the requests per second (bench/README.md, fourth pass).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import time
from multiprocessing.sharedctypes import RawArray

from flask import Flask

# A list page allocates tens of thousands of short-lived objects (ORM rows, template
# output). At Python's default young-generation threshold (700) the cycle collector
# runs many times per request and, now and then, walks every object start-up made.
# Frozen start-up objects and a higher threshold: with 4 concurrent clients at
# 100k / 30k / 300k rows, follow-up list p95 96 → 50 ms, projects 56 → 46 ms
# (in-process, bench/README.md). Reference counting still frees almost everything.
# Freezing before the fork also keeps those objects' pages shared between workers.
GC_THRESHOLDS = (50_000, 50, 100)

MAX_DEFAULT_WORKERS = 8
# A worker that dies this soon after it started is not restarted: the cause (a bad
# setting, a database that does not open) would only repeat; the server stops instead.
WORKER_MIN_LIFETIME_S = 5.0
# The slot of a worker that is gone: never the least-loaded one.
GONE = 2**31 - 1

log = logging.getLogger("zhaoshang.server")


def tune_gc() -> None:
    """Once, after the app is built and before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def worker_count(requested: int | None = None) -> int:
    """Processes to serve with: as requested, by default one per core; always one
    where processes cannot be forked (Windows)."""
    if not hasattr(os, "fork"):
        return 1
    if requested is None:
        requested = min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS)
    return max(requested, 1)


def run(app: Flask, *, host: str, port: int, threads: int, workers: int = 1,
        **options) -> None:
    from waitress import serve

    tune_gc()
    if worker_count(workers) == 1:
        serve(app, host=host, port=port, threads=threads, **options)
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=1024)
    options.pop("_quiet", None)  # only serve() prints; workers run their server directly
    Workers(app, listener, workers, threads=threads, options=options).run()


class LeastConnections:
    """Lets a worker take a new connection only while no other worker holds fewer.

    A kept-alive connection stays with the worker that accepted it, and the kernel
    wakes any idle worker for a new one: 4 connections over 2 workers often landed
    3 + 1, and the busier worker then answered as slowly as one process did. Each
    worker writes its count of open connections into shared memory whenever waitress
    asks whether to poll the listening socket (``readable``, before every poll)."""

    def __init__(self, loads, slot: int):
        self.loads, self.slot = loads, slot

    def may_accept(self, open_connections: int) -> bool:
        self.loads[self.slot] = open_connections
        return open_connections <= min(self.loads)

    def attach(self, server) -> None:
        """Gate a waitress server's accepting on ``may_accept``."""
        waitress_readable = server.readable  # keeps waitress's own checks and upkeep

        def readable() -> bool:
            return waitress_readable() and self.may_accept(len(server.active_channels))

        server.readable = readable


class Workers:
    """A parent process that forks the waitress workers, restarts one that dies and
    stops them all on SIGTERM or Ctrl-C."""

    def __init__(self, app: Flask, listener: socket.socket, count: int, *, threads: int,
                 options: dict):
        self.app, self.listener, self.count = app, listener, count
        self.threads, self.options = threads, options
        self.loads = RawArray("i", [GONE] * count)
        self.pids: dict[int, tuple[int, float]] = {}  # pid → (slot, started)
        self.stopping = self.failed = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for slot in range(self.count):
            self._spawn(slot)
        try:
            while self.pids:
                self._reap()
        finally:
            self._signal_all(signal.SIGTERM)
            self.listener.close()
        if self.failed:
            raise SystemExit(1)

    def _spawn(self, slot: int) -> None:
        self.loads[slot] = 0
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's loop
            code = 1
            try:
                self._serve(slot)
                code = 0
            except BaseException:
                log.exception("工作进程 %s 出错", os.getpid())
            finally:
                os._exit(code)
        self.pids[pid] = (slot, time.monotonic())

    def _serve(self, slot: int) -> None:
        from waitress.server import create_server

        from crm.db import get_engine

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        # database connections opened before the fork belong to the parent
        get_engine(self.app).dispose(close=False)
        server = create_server(self.app, sockets=[self.listener], threads=self.threads,
                               **self.options)
        LeastConnections(self.loads, slot).attach(server)
        server.run()

    def _reap(self) -> None:
        try:
            pid, status = os.wait()  # every child is a worker; a signal does not interrupt
        except ChildProcessError:  # none left, though some were thought running
            self.pids.clear()
            return
        slot, started = self.pids.pop(pid)
        self.loads[slot] = GONE
        if self.stopping:
            return
        if time.monotonic() - started < WORKER_MIN_LIFETIME_S:
            log.error("工作进程 %s 启动后随即退出（状态 %s），服务停止", pid, status)
            self.failed = True
            self._stop()
            return
        log.warning("工作进程 %s 已退出（状态 %s），重新启动", pid, status)
        self._spawn(slot)

    def _stop(self, *_signal) -> None:
        self.stopping = True
        self._signal_all(signal.SIGTERM)

    def _signal_all(self, signum: int) -> None:
        for pid in list(self.pids):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass
