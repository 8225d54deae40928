"""Serving the app with waitress: what `zhaoshang serve` and bench/bench_pages.py share."""

from __future__ import annotations

import gc

from flask import Flask

# A list page allocates tens of thousands of short-lived objects (ORM rows, template
# output). At Python's default young-generation threshold (700) the cycle collector
# runs many times per request and, now and then, walks every object start-up made.
# Frozen start-up objects and a higher threshold: with 4 concurrent clients at
# 100k / 30k / 300k rows, follow-up list p95 96 → 50 ms, projects 56 → 46 ms
# (in-process, bench/README.md). Reference counting still frees almost everything.
GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> None:
    """Once, after the app is built and before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(app: Flask, *, host: str, port: int, threads: int, **options) -> None:
    from waitress import serve

    tune_gc()
    serve(app, host=host, port=port, threads=threads, **options)
