"""Jilin's cities (市州) and counties as people write them → GB/T 2260 codes.

A project lands in Jilin, so its 落地市（州） and 落地县（市、区） are looked up
within Jilin only (西安区 is 辽源's there), through the country's table in
``places``: a name of another province (西安市, 朝阳市, 昌邑市) is refused with
where it is, never matched to a Jilin name that merely contains it.
"""

from __future__ import annotations

from crm import rules

from . import places
from .values import CellError, clean_text

JILIN = rules.JILIN_PROVINCE


def _resolve(value) -> tuple[str, places.Place | None]:
    """Within Jilin; but a name that means one place elsewhere (西安, 朝阳市) is that
    place, and refused here, even if a Jilin county shares its short form."""
    text = clean_text(value)
    if text is None:
        return "", None
    national = places.resolve(text)
    if national.place is not None and national.place.province != JILIN:
        raise CellError(f"“{text}”是{places.label(national.place)}，不在吉林省")
    found = places.resolve(text, JILIN)
    if found.warning and "有多处" in found.warning:
        raise CellError(found.warning.replace("请注明省份，城市未识别", "请写全称"))
    return text, found.place


def parse_city_code(value) -> str | None:
    """长春 / 长春市 / 延边州 / 220100 / 公主岭 / 长春市朝阳区 → the prefecture's code."""
    text, place = _resolve(value)
    if not text:
        return None
    if place is None:
        raise CellError(f"无法识别市（州）“{text}”，请填写如 长春市、延边州")
    if place.city_code is None:
        raise CellError(f"“{text}”是省级，请填写具体市（州）")
    return place.city_code


def parse_county_code(value) -> str | None:
    """公主岭 / 公主岭市 / 220184 / 长春市朝阳区 → the county-level code."""
    text, place = _resolve(value)
    if not text:
        return None
    if place is None or place.county_code is None:
        raise CellError(f"无法识别县（市、区）“{text}”")
    return place.county_code


def prefecture_of(county_code: str | None) -> str | None:
    """220184 → 220100 (its city)."""
    if not county_code or county_code not in places.default_index().by_code:
        return None
    return places.default_index().place(county_code).city_code


def city_name(code: str | None) -> str:
    return places.division_name(code)
