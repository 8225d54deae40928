"""Synthetic map data for the benchmark and tests.

Invented names in the shape of real ones; never written to a database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from maps import geo
from maps.render import STAGE_COLOURS

SEGMENTS = ["核心光电子器件", "高端芯片", "半导体激光雷达", "面发射激光器", "忆阻器",
            "卫星及应用", "汽车电子", "光电显示"]


def projects(n: int, seed: int = 0, located_share: float = 0.8,
             case_by_case_line_wan: float = 100_000) -> pd.DataFrame:
    """n projects spread over Jilin's prefectures; ``located_share`` of them have
    their own coordinates (jittered around a point inside their county), the rest
    only a county or city code, so the map has to place them approximately.
    Stages are the map's (``render.STAGE_COLOURS``); projects at or above
    ``case_by_case_line_wan`` (万元; the CRM's default line) are 一事一议."""
    rng = np.random.default_rng(seed)
    counties = geo.counties()
    pick = rng.integers(0, len(counties), n)
    county_codes = counties.code.to_numpy()[pick]
    city_codes = counties.prefecture_code.to_numpy()[pick]
    centres = np.array([geo.county_centroids()[c] for c in county_codes])
    lon = centres[:, 0] + rng.normal(0, 0.03, n)
    lat = centres[:, 1] + rng.normal(0, 0.03, n)
    located = rng.random(n) < located_share
    stages = list(STAGE_COLOURS)
    planned = np.round(rng.lognormal(10, 1.2, n), 2)  # 万元, median ≈ 2.2亿
    zj = list(geo.zhejiang_cities().values())
    jizhe = rng.random(n) < 0.1
    segment = rng.choice(SEGMENTS, n)
    # Names as long as real ones (a project ≈ 22 characters, an enterprise ≈ 14,
    # about one enterprise per 1.5 projects): names are most of the page's bytes.
    heads = ["华光", "吉芯", "长晟", "北辰", "松江", "白山", "东启", "瀚海", "鸿图", "天衡"]
    ent_no = rng.integers(0, max(int(n / 1.5), 1), n).tolist()
    enterprise = [f"{heads[e % 10]}{heads[e // 10 % 10]}光电科技股份有限公司{e}" for e in ent_no]
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "name": [f"{heads[e % 10]}年产{e % 900 + 100}万片{s}生产线项目"
                 for e, s in zip(ent_no, segment.tolist(), strict=True)],
        "enterprise": enterprise,
        "city_code": city_codes,
        "county_code": np.where(rng.random(n) < 0.5, county_codes, None),
        "park_id": None,
        "chain_segment": segment,
        "project_class": np.where(rng.random(n) < 0.2, "major", "supporting"),
        "stage": rng.choice(stages, n),
        "planned_investment_wan": planned,
        "case_by_case": planned >= float(case_by_case_line_wan),
        "jizhe": jizhe,
        "source_city": [zj[i % len(zj)][0] if j else None for i, j in enumerate(jizhe)],
        "lon": np.where(located, lon, np.nan),
        "lat": np.where(located, lat, np.nan),
    })
