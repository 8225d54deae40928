"""Build tests/data/name_pairs.csv — labelled enterprise-name pairs (issue 16).

Every pair comes from the Shenzhen exchange's A-share list (szse_a_share_list.csv,
one company per stock code) or is constructed from its names by a stated rule:

- same:      (公司全称, A股简称) of one code; (公司全称, the name as people retype it:
             half-width brackets, spaces, the province written in front).
- different: two codes whose names are nearest by the matcher as it was before
             issue 16 (``fuzz.ratio`` of the normalised keys) — full against full,
             short against short, and a short name against another code's full name
             that starts with the same two characters; numbers and ordinals (第一/第二,
             一期/二期), a branch against its company, and the same name under two
             different cities.

Deterministic: ``python tests/data/build_name_pairs.py`` rewrites the CSV, and
``tests/tabular/test_name_pairs.py`` checks the file is what this script builds.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from rapidfuzz import fuzz, process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from crm.tabular.names import normalize_name  # noqa: E402

LIST = HERE / "szse_a_share_list.csv"
OUT = HERE / "name_pairs.csv"
EVERY = 19  # one company in 19 for the "same" pairs (151 of 2,870)
HARD = 90  # hard negatives of each kind

PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
}


def companies() -> list[dict[str, str]]:
    with LIST.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def baseline(a: str, b: str) -> float:
    """The score before issue 16: rapidfuzz ratio of the normalised keys."""
    return float(fuzz.ratio(normalize_name(a), normalize_name(b)))


def province_name(short: str) -> str:
    return PROVINCES.get(short, short + "省")


def retyped(full: str, province: str, i: int) -> tuple[str, str]:
    """The registered name as someone retypes it, and how."""
    kind = i % 3
    if kind == 0 and ("（" in full or "）" in full):
        return full.replace("（", "(").replace("）", ")"), "半角括号"
    if kind == 1 or "（" not in full:
        if kind == 2 and not full.startswith((province, province_name(province))):
            return province_name(province) + full, "前加省名"
        if len(full) > 6:
            return f"{full[:2]} {full[2:-4]}  {full[-4:]} ", "多余空格"
    return province_name(province) + full, "前加省名"


def same_pairs(rows):
    out = []
    for i, row in enumerate(rows[::EVERY]):
        full, short = row["公司全称"], row["A股简称"]
        out.append((full, short, 1, f"全称与简称，同一代码 {row['A股代码']}"))
        variant, how = retyped(full, row["省份"], i)
        out.append((full, variant, 1, f"同一全称，{how}（{row['A股代码']}）"))
    return out


def nearest(names: list[str], codes: list[str], kind: str, limit: int):
    """Each name's nearest other name by the old score; the ``limit`` best pairs."""
    keys = [normalize_name(n) for n in names]
    found = {}
    for i, key in enumerate(keys):
        for _, score, j in process.extract(key, keys, scorer=fuzz.ratio, limit=3):
            if j != i and codes[j] != codes[i]:
                pair = tuple(sorted((names[i], names[j])))
                found[pair] = (score, codes[i], codes[j])
                break
    best = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [
        (a, b, 0, f"{kind}，不同代码 {c1}/{c2}（原分数 {score:.0f}）")
        for (a, b), (score, c1, c2) in best
    ]


def short_against_other_full(rows, limit: int):
    """简称 of one code against the 全称 of another that starts with the same two
    characters (长春高新 / 长春燃气股份有限公司): the cases a short-name rule may confuse."""
    by_start: dict[str, list[dict]] = {}
    for row in rows:
        by_start.setdefault(normalize_name(row["公司全称"])[:2], []).append(row)
    found = []
    for row in rows:
        short = row["A股简称"]
        others = [r for r in by_start.get(normalize_name(short)[:2], []) if r is not row]
        if others:
            other = max(others, key=lambda r: (baseline(short, r["公司全称"]), r["A股代码"]))
            score = baseline(short, other["公司全称"])
            found.append((score, short, other["公司全称"], row["A股代码"], other["A股代码"]))
    found.sort(key=lambda t: (-t[0], t[3]))
    return [
        (s, f, 0, f"简称与另一公司全称，同前两字，不同代码 {c1}/{c2}（原分数 {score:.0f}）")
        for score, s, f, c1, c2 in found[:limit]
    ]


ORDINALS = [("第一", "第二"), ("一期", "二期"), ("一厂", "二厂"), ("第三", "第四"), ("1号", "2号")]
CITIES = [("长春", "四平"), ("长春市", "吉林市"), ("杭州", "宁波"), ("延边", "白山")]


def unplaced(key: str, row) -> str:
    """The key without the company's own province and city in front."""
    province, city = row["省份"], row["城市"]
    for place in (province_name(province), province, city, city.removesuffix("市")):
        if place and key.startswith(place) and len(key) > len(place) + 1:
            key = key[len(place) :]
    return key


def constructed(rows):
    """Numbers, ordinals, branches and places, built on real registered names."""
    bases = [r for r in rows if r["公司全称"].endswith("有限公司")][::41][:60]
    out = []
    for i, row in enumerate(bases):
        full, code = row["公司全称"], row["A股代码"]
        stem = full[: -len("股份有限公司")] if full.endswith("股份有限公司") else full[:-4]
        one, two = ORDINALS[i % len(ORDINALS)]
        what = "期次不同" if "期" in one else "序号不同"
        tail = ("分公司", "项目公司", "有限公司")[i % 3]
        out.append((f"{stem}{one}{tail}", f"{stem}{two}{tail}", 0, f"{what}：{one}/{two}"))
        city = CITIES[i % len(CITIES)][0]
        out.append((full, f"{stem}{city}分公司", 0, f"分公司与总公司不是同一记录（{code}）"))
        a, b = CITIES[i % len(CITIES)]
        core = unplaced(normalize_name(full), row)
        out.append((f"{a}{core}有限公司", f"{b}{core}有限公司", 0, f"地名不同：{a}/{b}"))
    for row in bases[:30]:  # a place on one side only: same
        full, province = row["公司全称"], row["省份"]
        if full.startswith((province, province_name(province))):
            continue
        out.append((province_name(province) + full, full, 1, f"一方多省名前缀（{row['A股代码']}）"))
    return out


def build() -> str:
    rows = companies()
    fulls = [r["公司全称"] for r in rows]
    shorts = [r["A股简称"] for r in rows]
    codes = [r["A股代码"] for r in rows]
    pairs = [
        *same_pairs(rows),
        *nearest(fulls, codes, "相近全称", HARD),
        *nearest(shorts, codes, "相近简称", HARD // 2),
        *short_against_other_full(rows, HARD),
        *constructed(rows),
    ]
    seen, unique = set(), []
    for a, b, same, reason in pairs:
        if a != b and (a, b) not in seen and (b, a) not in seen:
            seen.add((a, b))
            unique.append((a, b, same, reason))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name_a", "name_b", "same", "reason"])
    writer.writerows(unique)
    return buf.getvalue()


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"{OUT}: {OUT.read_text(encoding='utf-8').count(chr(10)) - 1} pairs")
