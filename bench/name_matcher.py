"""Precision and recall of the enterprise-name matcher (issue 16), and its speed.

    .venv/bin/python bench/name_matcher.py            # quality on tests/data/name_pairs.csv
    .venv/bin/python bench/name_matcher.py --speed    # + EnterpriseIndex at 100,000 names
    .venv/bin/python bench/name_matcher.py --pairs    # the 查重 page's pairs at 100,000

Quality: a pair is predicted "same" when ``name_score`` is ``DUPLICATE_SCORE`` or more
(what an import holds back as 疑似重复, or links as 已存在 at 100). Speed: an
``EnterpriseIndex`` over 100,000 generated names plus the exchange's list, then an
import's column of 10,000 names primed and checked, as ``importing`` does.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm.tabular.names import DUPLICATE_SCORE, name_score  # noqa: E402

CLOCK = time.process_time  # CPU seconds: the machine is shared, wall time is noisy
PAIRS = ROOT / "tests" / "data" / "name_pairs.csv"
LIST = ROOT / "tests" / "data" / "szse_a_share_list.csv"


def load_pairs(path: Path = PAIRS) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def kind(reason: str) -> str:
    return reason.split("，")[0].split("：")[0].split("（")[0]


def quality(pairs: list[dict], threshold: float = DUPLICATE_SCORE) -> dict:
    counts = Counter()
    misses = []
    for row in pairs:
        said = name_score(row["name_a"], row["name_b"]) >= threshold
        truth = row["same"] == "1"
        counts[("tp" if said else "fn") if truth else ("fp" if said else "tn")] += 1
        if said != truth:
            misses.append(row)
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"counts": counts, "precision": precision, "recall": recall, "f1": f1,
            "misses": misses}


def report_quality(pairs: list[dict], show: int) -> None:
    result = quality(pairs)
    c = result["counts"]
    print(f"pairs {len(pairs)} (same {c['tp'] + c['fn']}, different {c['fp'] + c['tn']}), "
          f"threshold {DUPLICATE_SCORE:g}")
    print(f"TP {c['tp']}  FP {c['fp']}  FN {c['fn']}  TN {c['tn']}")
    print(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
          f"F1 {result['f1']:.3f}")
    wrong = Counter(kind(r["reason"]) for r in result["misses"])
    total = Counter(kind(r["reason"]) for r in pairs)
    for name, n in sorted(total.items(), key=lambda kv: -kv[1]):
        print(f"  {name}: wrong {wrong[name]} of {n}")
    for row in result["misses"][:show]:
        score = name_score(row["name_a"], row["name_b"])
        print(f"    {score:5.1f} {row['same']} {row['name_a']} | {row['name_b']} | {row['reason']}")


# --- speed -------------------------------------------------------------------------
HEADS = "华光吉芯长晟北辰松江东启瀚海鸿图天衡星联晶准锐驰恒远精微卓越延和中科凌云金源新松昊博嘉禾" \
        "鼎盛瑞丰同创宏达奥普禹希永利伟业德力兆驰欧菲蓝思灿三安士兰电通富方芯原舜宇大视迅睿"
TAILS = ("光电科技 微电子 半导体 激光技术 卫星应用 汽车电子 智能装备 显示技术 芯片设计 "
         "传感技术 电子元件 信息技术 精密光学 集成电路 电子材料 通信设备 智能制造 检测技术 "
         "软件 机器人").split()
CITIES = ("长春 吉林 四平 辽源 通化 白山 松原 白城 延边 杭州 宁波 温州 深圳 苏州 南京 北京 "
          "上海").split()


def generated(rnd: random.Random, n: int) -> list[str]:
    names = set()
    while len(names) < n:
        head = "".join(rnd.sample(HEADS, 2))
        names.add(f"{rnd.choice(CITIES)}{head}{rnd.choice(TAILS)}"
                  f"{rnd.choice(TAILS)}{rnd.choice(['有限公司', '股份有限公司'])}")
    return sorted(names)


def report_speed(size: int, rows: int) -> None:
    from crm.services.dedupe import EnterpriseIndex

    rnd = random.Random(16)
    with LIST.open(encoding="utf-8-sig", newline="") as fh:
        listed = list(csv.DictReader(fh))
    stored = generated(rnd, size) + [r["公司全称"] for r in listed]
    t0 = CLOCK()
    index = EnterpriseIndex.from_rows(
        SimpleNamespace(id=i, name=n, credit_code=None, deleted_at=None)
        for i, n in enumerate(stored)
    )
    built = CLOCK() - t0
    column = ([r["A股简称"] for r in rnd.sample(listed, rows // 5)]
              + [rnd.choice(stored) for _ in range(rows // 5)]
              + generated(random.Random(17), rows - 2 * (rows // 5)))
    t0 = CLOCK()
    index.prime(column)
    primed = CLOCK() - t0
    t0 = CLOCK()
    flagged = sum(1 for name in column if index.check(name, None).similar)
    checked = CLOCK() - t0
    print(f"CPU time: index of {len(stored)} names built in {built:.2f} s; {rows} rows primed in "
          f"{primed:.2f} s, checked in {checked:.2f} s "
          f"({(primed + checked) / rows * 1000:.2f} ms per row); {flagged} with near names")


def report_pairs(size: int) -> None:
    """The 查重 page's computation: every suspected pair of the whole registry."""
    from crm.services.dedupe import EnterpriseIndex

    with LIST.open(encoding="utf-8-sig", newline="") as fh:
        listed = list(csv.DictReader(fh))
    stored = (generated(random.Random(16), size) + [r["公司全称"] for r in listed]
              + [r["A股简称"] for r in listed[:300]])
    t0 = CLOCK()
    index = EnterpriseIndex.from_rows(
        SimpleNamespace(id=i, name=n, credit_code=None, deleted_at=None)
        for i, n in enumerate(stored))
    built = CLOCK() - t0
    t0 = CLOCK()
    pairs = index.pairs()
    print(f"CPU time: index of {len(stored)} names built in {built:.2f} s; "
          f"{len(pairs)} suspected pairs found in {CLOCK() - t0:.2f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=40, help="misjudged pairs to print")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--pairs", action="store_true", help="the 查重 page's pairs only")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=5_000)
    args = parser.parse_args(argv)
    if args.pairs:
        report_pairs(args.size)
        return 0
    if not args.speed_only:
        report_quality(load_pairs(), args.show)
    if args.speed or args.speed_only:
        report_speed(args.size, args.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
