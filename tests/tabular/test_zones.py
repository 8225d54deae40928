"""Jilin's development zones as people name them (seeds/zone_names.csv)."""

import csv
from pathlib import Path

import pytest

from crm.tabular import places, zones

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
NBS = Path(__file__).resolve().parents[1] / "data" / "nbs_2023_divisions.csv"


def _rows(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_spelling_names_a_listed_zone():
    listed = {r["name"] for r in _rows(SEEDS / "development_zones.csv")}
    for r in _rows(SEEDS / "zone_names.csv"):
        assert r["zone"] in listed, r
        assert r["source"], r


def test_every_statistical_zone_of_jilin_is_known():
    """NBS 2023 gives Jilin's zones their own codes (220171 …): each is understood, by
    code and by name, and lies in the city its code says."""
    by_name = {r["name"]: r for r in _rows(SEEDS / "development_zones.csv")}
    stat = [r for r in _rows(NBS) if r["province_code"] == "22" and r["code"][4] == "7"]
    assert len(stat) == 9
    for r in stat:
        zone = zones.official_name(r["code"])
        assert zone == zones.official_name(r["name"]) and zone in by_name, r
        assert by_name[zone]["city_code"] == r["code"][:4] + "00", r
        assert places.resolve(r["name"]).city_code == r["code"][:4] + "00", r


@pytest.mark.parametrize(("typed", "zone"), [
    ("净月高新区", "长春净月高新技术产业开发区"),
    ("长春经开区", "长春经济技术开发区"),
    ("汽开区", "长春汽车经济技术开发区"),
    ("长白山", "长白山管委会"),
    ("中韩(长春)国际合作示范区", "中韩（长春）国际合作示范区"),  # half-width brackets
    ("220171", "长春经济技术开发区"),
    ("珲春边境经济合作区", "珲春边境经济合作区"),
    ("不存在的园区", None),
    ("", None),
])
def test_usual_names(typed, zone):
    assert zones.official_name(typed) == zone
