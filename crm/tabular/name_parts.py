"""The parts of a normalised enterprise name that decide whether two are the same.

``parts("吉林省长光卫星技术")`` → place 吉林 (a province), body 长光卫星技术, core 长光卫星
(body without trailing industry words), no numbers, no branch. Places are the
provinces and the prefectures (市、州、地区) of the division tables in ``seeds/``
(the whole country when ``china_divisions.csv`` is there, else Jilin and Zhejiang).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .places import short_name

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SHORT_MAX = 5  # a key this long or shorter may be an exchange's 简称

PROVINCES = (
    "北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 "
    "福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 "
    "甘肃省 青海省 台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区 "
    "新疆维吾尔自治区 香港特别行政区 澳门特别行政区"
).split()
_PROVINCE_SHORT = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")

# Trailing words that say what a company does, not which company it is.
INDUSTRY = sorted(
    set(
        "科技 技术 信息 电子 微电子 光电 光电子 软件 网络 智能 数字 数据 通信 通讯 医药 药业 "
        "制药 生物 医疗 健康 化工 化学 材料 新材料 能源 新能源 电气 电力 电器 机械 机电 设备 "
        "装备 汽车 实业 控股 投资 发展 产业 高新 工业 工程 建设 建筑 建材 环保 环境 传媒 "
        "文化 食品 农业 物流 贸易 商贸 国际 精密 精工 制造 服务 咨询 管理 矿业 资源 钢铁 "
        "银行 证券 保险 地产 置业 房地产 旅游 酒店 纺织 服饰 家居 仪器 仪表 半导体 集成电路 "
        "光学 股份 有限 黄金 新能 动力 系统 创新 应用 工具 集团 有色 金属 中国".split()
    ),
    key=len,
    reverse=True,
)
_INDUSTRY_SET = frozenset(INDUSTRY)
_INDUSTRY_LENGTHS = sorted({len(w) for w in INDUSTRY}, reverse=True)
_MARKS = re.compile(
    r"第[一二三四五六七八九十百零〇两\d]+|[一二三四五六七八九十\d]+(?:期|厂|号|分厂|车间|标段)|\d+"
)
_PLACE_LENGTHS = range(8, 1, -1)
_BRANCH = re.compile(r"(..)(分公司|分厂|分行|支行|分店|办事处|营业部|分部|分院|分中心)")
_STOCK_HEAD = re.compile(r"^(\*?s?\*?st|pt)")
_STOCK_TAIL = re.compile(r"(?<=[\u4e00-\u9fff])[ab]$|股份$")


@dataclass(frozen=True)
class NameParts:
    key: str
    body: str  # without leading places
    core: str  # body without trailing industry words
    short: str  # body as a 简称: no ST mark, no A/B share letter, no 股份
    province: str  # short form of a leading province, or ""
    city: str  # short form of a leading prefecture (bare 吉林 counts as the city), or ""
    marks: frozenset  # numbers and ordinals: 第一, 二期, 3号
    branch: str  # "长春分公司" — the branch and its qualifier — or ""


@lru_cache(maxsize=1 << 18)
def parts(key: str) -> NameParts:
    body, province, city = _strip_places(key)
    branches = _BRANCH.findall(key)
    short = _STOCK_TAIL.sub("", _STOCK_HEAD.sub("", body)) or body
    return NameParts(
        key=key,
        body=body,
        core=_core(body),
        short=short,
        province=province,
        city=city,
        marks=frozenset(_MARKS.findall(key)),
        branch="".join(branches[-1]) if branches else "",
    )


def _strip_places(key: str) -> tuple[str, str, str]:
    province = city = ""
    places = _places()
    if key[:2] not in _place_heads():
        return key, province, city
    for _ in range(2):  # 吉林省长春市…
        for length in _PLACE_LENGTHS:
            head = key[:length]
            level = places.get(head)
            if level and len(key) - length >= 2:
                name, kind = level
                if kind == "province" and not province and not city:
                    province = name
                elif kind == "city" and not city:
                    city = name
                else:
                    continue
                key = key[length:]
                break
        else:
            break
    return key, province, city


def _core(body: str) -> str:
    core = body.replace("集团", "") if len(body) > 4 else body
    while True:  # longest trailing industry word first: 新能源 before 能源
        for length in _INDUSTRY_LENGTHS:
            if len(core) - length >= 2 and core[-length:] in _INDUSTRY_SET:
                core = core[:-length]
                break
        else:
            return core


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[str, str]]:
    """Every written form of a place → (short form, "province" | "city").
    A bare name that is both (吉林) is taken as the city: 吉林XX ≠ 长春XX."""
    out: dict[str, tuple[str, str]] = {}
    for name in PROVINCES:
        short = _PROVINCE_SHORT.sub("", name)
        out[name] = out[short] = (short, "province")
    for name in _prefectures():
        short = short_name(name)
        out[name] = (short, "city")
        if len(short) >= 2:
            out[short] = (short, "city")
            out.setdefault(short + "市", (short, "city"))
    return {k: v for k, v in out.items() if 2 <= len(k) <= 8}


@lru_cache(maxsize=1)
def _place_heads() -> frozenset[str]:
    return frozenset(name[:2] for name in _places())


def _prefectures() -> list[str]:
    names = []
    china = SEEDS / "china_divisions.csv"
    if china.exists():
        names += [r["name"] for r in _rows(china) if r.get("level") == "prefecture"]
    for local in ("jilin_divisions.csv", "zhejiang_divisions.csv"):
        if (SEEDS / local).exists():
            names += [r["name"] for r in _rows(SEEDS / local)]
    return names


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
