"""Benchmark: the 产业招商地图 at 1k–30k projects vs. one folium.Marker per project.

Run by hand:  .venv/bin/python bench/bench_map.py [--sizes 1000,5000,10000,20000,30000]
              [--naive-max 5000] [--repeat 3] [--db sqlite:///bench/data/bench.db]
Prints a Markdown table for bench/README.md (map section).

"ours" is the real map (maps.render.build_map: choropleth, county lines, one
shared marker cluster fed by per-segment layers, 吉浙 layer, legend) rendered
to the HTML string the page embeds. "naive" is folium's textbook way: a
MarkerCluster with one folium.Marker + Popup per project and nothing else
(no boundaries), so the comparison flatters the naive version.
"""

from __future__ import annotations

import argparse
import html
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium  # noqa: E402
from folium.plugins import MarkerCluster  # noqa: E402

from maps import render, synthetic  # noqa: E402


def ours(df) -> tuple[float, int]:
    start = time.perf_counter()
    text = render.build_map(render.MapData(projects=df, segments=synthetic.SEGMENTS)) \
        .get_root().render()
    return time.perf_counter() - start, len(text.encode())


def naive(df) -> tuple[float, int]:
    start = time.perf_counter()
    m = folium.Map(location=[43.6, 126.2], zoom_start=6, tiles=None)
    cluster = MarkerCluster().add_to(m)
    placed = render.place(df, [])
    for r in placed.itertuples():
        popup = (f"<b>{html.escape(r.name)}</b><br>{html.escape(r.enterprise)}<br>"
                 f"{r.planned_investment_wan / 10000:.2f} 亿元<br>{r.stage}"
                 f'<br><a href="/projects/{r.id}">查看</a>')
        folium.Marker([r.plot_lat, r.plot_lon], popup=folium.Popup(popup)).add_to(cluster)
    text = m.get_root().render()
    return time.perf_counter() - start, len(text.encode())


def from_database(url: str) -> None:
    """End to end on a generated database (bench/generate.py): the queries of
    crm.map.data plus the render, as the /map view does them."""
    from crm import create_app
    from crm.db import get_session
    from crm.map.data import filters_from_args, load_map_data, options_from_config

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": "/tmp/zhaoshang-bench-map",
                      "SECRET_KEY": "bench"})
    print("\n| /map query | projects | enterprises | load | render | page |")
    print("|---|---:|---:|---:|---:|---:|")
    with app.app_context():
        for args in ({}, {"city_code": "220300"}, {"stage": "signed"},
                     {"jizhe": "1", "metric": "planned"}):
            filters = filters_from_args(args)
            start = time.perf_counter()
            data = load_map_data(get_session(), filters)
            loaded = time.perf_counter()
            parts = render.page_parts(render.build_map(data, options_from_config(
                app.config, metric=args.get("metric", "count"), filters=filters)))
            done = time.perf_counter()
            size = sum(len(v.encode()) for v in parts.values())
            query = "&".join(f"{k}={v}" for k, v in args.items()) or "(all)"
            print(f"| {query} | {len(data.projects):,} | {len(data.enterprises):,} | "
                  f"{loaded - start:.2f} s | {done - loaded:.2f} s | {size / 1e6:.2f} MB |",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000,20000,30000")
    parser.add_argument("--naive-max", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="also measure /map end to end on this database URL")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    start = time.perf_counter()
    ours(synthetic.projects(10))  # load boundaries, fill per-process caches
    warm = time.perf_counter() - start

    print(f"Python {platform.python_version()}, folium {folium.__version__}, "
          f"{platform.machine()}; first map in a process (boundaries loaded, caches filled): "
          f"{warm:.2f} s\n")
    print("| projects | ours: time (median) | ours: HTML | naive Marker: time | naive: HTML |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        df = synthetic.projects(n, seed=n)
        runs = [ours(df) for _ in range(args.repeat)]
        t = statistics.median(r[0] for r in runs)
        size = runs[0][1]
        if n <= args.naive_max:
            nt, nsize = naive(df)
            naive_cols = f"{nt:.2f} s | {nsize / 1e6:.2f} MB"
        else:
            naive_cols = "— | —"
        print(f"| {n:,} | {t:.2f} s | {size / 1e6:.2f} MB | {naive_cols} |", flush=True)
    if args.db:
        from_database(args.db)


if __name__ == "__main__":
    main()
