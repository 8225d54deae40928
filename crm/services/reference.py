"""Reference data: load seeds/ idempotently and look divisions up by name."""

from __future__ import annotations

import csv
from weakref import WeakKeyDictionary

from sqlmodel import Session, select

from crm import rules
from crm.config import PROJECT_ROOT
from crm.models import ChainSegment, Division, Enterprise, JizhePairing, Park, PolicyMeasure
from crm.services import settings
from crm.tabular import places, zones

SEEDS = PROJECT_ROOT / "seeds"


def read_seed(name: str) -> list[dict]:
    path = SEEDS / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def seed_reference(session: Session) -> dict[str, int]:
    """Insert or update every reference row; running it twice changes nothing."""
    counts = {
        "divisions": _seed_divisions(session),
        "parks": _seed_parks(session),
        "segments": _seed_segments(session),
        "pairings": _seed_pairings(session),
        "measures": _seed_measures(session),
        "industry_base": _seed_industry_base(session),
    }
    changed(session)
    session.commit()
    return counts


def _upsert(session: Session, model, key, values: dict) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(**values))
    else:
        for field, value in values.items():
            setattr(row, field, value)
        session.add(row)


NATIONAL_SOURCE = "GB/T 2260 (2024 list, via yescallop/areacodes); see seeds/README.md"


def _seed_national(session: Session) -> int:
    """The country's provinces, prefectures and counties (so an enterprise in 西安 or
    深圳 has its city's code and name); Jilin's and Zhejiang's own seeds then add
    their short names and sources."""
    existing = {d.code: d for d in session.exec(select(Division))}
    rows = read_seed("china_divisions.csv")
    for r in rows:
        values = dict(code=r["code"], name=r["name"], short_name=places.short_name(r["name"]),
                      province=r["province"], level=r["level"],
                      parent_code=r["parent_code"] or None)
        row = existing.get(r["code"])
        if row is None:
            session.add(Division(**values, source=NATIONAL_SOURCE))
        elif any(getattr(row, k) != v for k, v in values.items() if k != "short_name"):
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()
    return len(rows)


def _seed_divisions(session: Session) -> int:
    rows = _seed_national(session)
    for r in read_seed("jilin_divisions.csv"):
        _upsert(session, Division, r["code"], dict(
            code=r["code"], name=r["name"], short_name=r["short_name"],
            province=rules.JILIN_PROVINCE, level="prefecture", source=r["source"],
        ))
        rows += 1
    for r in read_seed("jilin_counties.csv"):
        _upsert(session, Division, r["code"], dict(
            code=r["code"], name=r["name"], short_name=_short_county(r["name"]),
            province=rules.JILIN_PROVINCE, level="county", parent_code=r["prefecture_code"],
            source=r["source"],
        ))
        rows += 1
    for r in read_seed("zhejiang_divisions.csv"):
        _upsert(session, Division, r["code"], dict(
            code=r["code"], name=r["name"], short_name=r["short_name"], province=rules.ZHEJIANG,
            level="prefecture", source=r["source"],
        ))
        rows += 1
    return rows


def _short_county(name: str) -> str:
    for suffix in ("朝鲜族自治县", "满族自治县", "蒙古族自治县", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _seed_parks(session: Session) -> int:
    existing = {p.name: p for p in session.exec(select(Park))}
    rows = read_seed("development_zones.csv")
    for r in rows:
        values = dict(
            name=r["name"], city_code=r["city_code"] or None, level=r["level"],
            year=int(r["year"]) if r["year"] else None, note=r["note"], source=r["source"],
        )
        park = existing.get(r["name"])
        if park is None:
            session.add(Park(**values))
        else:
            for field, value in values.items():
                setattr(park, field, value)
    return len(rows)


def _seed_segments(session: Session) -> int:
    rows = read_seed("chain_segments.csv")
    for i, r in enumerate(rows):
        _upsert(session, ChainSegment, r["segment"], dict(
            name=r["segment"], parent=r["parent"] or None, position=i, source=r["source"],
        ))
    return len(rows)


def _seed_pairings(session: Session) -> int:
    rows = read_seed("jizhe_pairings.csv")
    for r in rows:
        _upsert(session, JizhePairing, r["zhejiang_code"], dict(
            zhejiang_code=r["zhejiang_code"], jilin_code=r["jilin_code"] or None,
            confidence=r["confidence"], source=r["source"],
        ))
    return len(rows)


def _seed_measures(session: Session) -> int:
    rows = read_seed("policy_measures.csv")
    for r in rows:
        _upsert(session, PolicyMeasure, int(r["number"]), dict(
            number=int(r["number"]), chapter=r["chapter"], title=r["title"], summary=r["summary"],
            responsible_units=r["responsible_units"], source=r["source"],
        ))
    return len(rows)


KIND_BY_LABEL = {label: key for key, label in rules.ENTERPRISE_KINDS.items()}


def _seed_industry_base(session: Session) -> int:
    """Real enterprises of Jilin's base (public facts only; no pipeline data)."""
    rows = read_seed("industry_base.csv")
    known = set(session.exec(select(Enterprise.name).where(Enterprise.is_industry_base.is_(True))))
    for r in rows:
        if r["name"] in known:
            continue
        session.add(Enterprise(
            name=r["name"], province=r["province"], city=r["city"],
            city_code=city_code_for_name(session, r["city"]),
            kind=KIND_BY_LABEL.get(r["kind"], "other"), is_industry_base=True,
            jizhe=rules.is_jizhe(r["province"]),
            notes=f"产业基础：{r['sub_sector']}（来源：{r['source_note']}）",
        ))
    return len(rows)


# --- Look-ups used by services, forms and the map -----------------------------

def jilin_prefectures(session: Session) -> list[Division]:
    return [d for d in _divisions(session) if d.province == rules.JILIN_PROVINCE
            and d.level == "prefecture"]


def zhejiang_cities(session: Session) -> list[Division]:
    return [d for d in _divisions(session) if d.province == rules.ZHEJIANG
            and d.level == "prefecture"]


def counties_of(session: Session, prefecture_code: str) -> list[Division]:
    return [d for d in _divisions(session) if d.parent_code == prefecture_code]


def division_names(session: Session) -> dict[str, str]:
    return {d.code: d.name for d in _divisions(session)}


def segments(session: Session) -> list[ChainSegment]:
    return _cached(session, "segments", lambda: [ChainSegment(**c.model_dump()) for c in
                   session.exec(select(ChainSegment).order_by(ChainSegment.position))])


def segment_names(session: Session) -> list[str]:
    """The chain segments a record may name, in display order."""
    return [s.name for s in segments(session)]


# Divisions and segments change rarely (zhaoshang seed), yet every list page and form
# shows them: each process keeps a copy per database, detached from any session. A
# stamp in the settings table, bumped in the same transaction as every write of
# reference data, tells every process (on every machine) when its copy is stale.
VERSION_KEY = "reference_version"
_SEEN = "reference_version"  # session.info: the stamp this session has read
_CACHE: WeakKeyDictionary = WeakKeyDictionary()


def changed(session: Session) -> None:
    """Call from every write of reference data (divisions, parks, segments, pairings,
    measures, reward rules), inside its transaction: every process's copy goes."""
    settings.bump(session, VERSION_KEY)
    session.info.pop(_SEEN, None)


def refresh(session: Session) -> dict:
    """This process's copy for the session's database, dropped when the stamp has
    moved. The stamp is read once per session (a request has one): a primary-key
    look-up, and only by requests that show reference data."""
    version = session.info.get(_SEEN)
    if version is None:
        version = session.info[_SEEN] = settings.counter(session, VERSION_KEY)
    bind = session.get_bind()
    store = _CACHE.get(bind)
    if store is None or store["version"] != version:
        store = _CACHE[bind] = {"version": version}
        # the import's place and zone indexes, from seeds/ (read again after a seed)
        places.default_index.cache_clear()
        places.resolve.cache_clear()
        zones.spellings_cache_clear()
    return store


def _cached(session: Session, name: str, load):
    store = refresh(session)
    if name not in store:
        store[name] = load()
    return store[name]


def _divisions(session: Session) -> list[Division]:
    return _cached(session, "divisions", lambda: [Division(**d.model_dump()) for d in
                   session.exec(select(Division).order_by(Division.code))])


def forget_cached(session: Session) -> None:
    """Drop this process's copy (other processes notice the stamp, see ``changed``)."""
    _CACHE.pop(session.get_bind(), None)
    session.info.pop(_SEEN, None)


def parks(session: Session) -> list[Park]:
    return list(session.exec(select(Park).order_by(Park.city_code, Park.name)))


def city_code_for_name(session: Session, name: str | None) -> str | None:
    """长春 / 长春市 / 延边州 / 杭州 / 西安 → the code of the city it names, when it
    names one city only (see crm.tabular.places)."""
    return places.resolve(name).city_code if name else None


def division_name(session: Session, code: str) -> str:
    division = session.get(Division, code)
    return division.name if division else code


def prefecture_choices(session: Session) -> dict[str, list[Division]]:
    """Every prefecture-level city by province (Jilin, Zhejiang first), for filters;
    a municipality (北京市) is its own city."""
    groups: dict[str, list[Division]] = {rules.JILIN_PROVINCE: [], rules.ZHEJIANG: []}
    for d in _divisions(session):
        city = d.level == "prefecture" or (d.level == "province" and d.code[:2] in
                                            places.MUNICIPALITIES)
        if city or (d.level == "county" and d.parent_code and d.parent_code.endswith("0000")
                    and d.code[:2] not in places.MUNICIPALITIES):
            groups.setdefault(d.province, []).append(d)
    return {k: v for k, v in groups.items() if v}
