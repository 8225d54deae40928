"""Synthetic map data for the benchmark and tests (clearly not real projects)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm import rules
from maps import geo

SEGMENTS = ["核心光电子器件", "高端芯片", "半导体激光雷达", "面发射激光器", "忆阻器",
            "卫星及应用", "汽车电子", "光电显示"]


def projects(n: int, seed: int = 0, located_share: float = 0.8) -> pd.DataFrame:
    """n projects spread over Jilin's prefectures; ``located_share`` of them have
    their own coordinates (jittered around a point inside their county), the rest
    only a county or city code, so the map has to place them approximately."""
    rng = np.random.default_rng(seed)
    counties = geo.counties()
    pick = rng.integers(0, len(counties), n)
    county_codes = counties.code.to_numpy()[pick]
    city_codes = counties.prefecture_code.to_numpy()[pick]
    centres = np.array([geo.county_centroids()[c] for c in county_codes])
    lon = centres[:, 0] + rng.normal(0, 0.03, n)
    lat = centres[:, 1] + rng.normal(0, 0.03, n)
    located = rng.random(n) < located_share
    stages = list(rules.STAGES)
    planned = np.round(rng.lognormal(10, 1.2, n), 2)  # 万元, median ≈ 2.2亿
    zj = list(geo.zhejiang_cities().values())
    jizhe = rng.random(n) < 0.1
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "name": [f"演示项目{i:05d}" for i in range(1, n + 1)],
        "enterprise": [f"演示企业{i % 997:03d}有限公司" for i in range(n)],
        "city_code": city_codes,
        "county_code": np.where(rng.random(n) < 0.5, county_codes, None),
        "park_id": None,
        "chain_segment": rng.choice(SEGMENTS, n),
        "project_class": np.where(rng.random(n) < 0.2, "major", "supporting"),
        "stage": rng.choice(stages, n),
        "planned_investment_wan": planned,
        "case_by_case": planned >= float(rules.DEFAULT_CASE_BY_CASE_LINE_WAN),
        "jizhe": jizhe,
        "source_city": [zj[i % len(zj)][0] if j else None for i, j in enumerate(jizhe)],
        "lon": np.where(located, lon, np.nan),
        "lat": np.where(located, lat, np.nan),
    })
