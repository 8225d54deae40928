"""The one duplicate rule of every entry point, on ``dedupe.EnterpriseIndex``:
an exact duplicate (same credit code, same normalised name) is refused with its
field; a near one (``key_score`` ≥ 85) is refused as ``PossibleDuplicate`` unless
confirmed (``allow_similar``). Imports apply the same index themselves (已存在 /
疑似重复). Also the 查重 page's list of suspected pairs across the registry.

The index of 100,000 names takes seconds to build, so it is kept per process and
database and rebuilt only when the enterprise table changed (its signature: rows,
highest id, sum of versions, deleted rows, newest update, name lengths); records only
added since are added to it. The 查重 pairs are recomputed after any change."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from crm.models import Enterprise
from crm.services.dedupe import EnterpriseIndex
from crm.services.errors import PossibleDuplicate, ValidationFailed
from crm.tabular.names import PLACE_ONLY, SHORT_PREFIX, SHORT_SPREAD

TRUE, FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
_cache: dict[str, tuple[tuple, EnterpriseIndex, list | None]] = {}
_lock = threading.Lock()


def flag(value, label: str = "allow_similar") -> bool:
    """``allow_similar`` as the API and forms send it: a bool, or true/false/1/0."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE | FALSE:
        return text in TRUE
    raise ValidationFailed({label: f"{label}：应为 true 或 false"})


def refuse(session: Session, name: str | None, credit_code: str | None, *,
           allow_similar: bool, ignore_id: int | None = None) -> None:
    """Raise if a new (or renamed, ``ignore_id``) enterprise would duplicate another."""
    verdict = index(session).check(name, credit_code, ignore_id=ignore_id)
    if verdict.exact is not None:
        field = "credit_code" if "信用代码" in verdict.reason else "name"
        label = "统一社会信用代码" if field == "credit_code" else "企业名称"
        raise ValidationFailed({field: f"{label}：{verdict.reason}，不能重复新建；"
                                       f"请打开已有企业（#{verdict.exact.id}）"})
    if verdict.similar and not allow_similar:
        rows = {e.id: e for e in session.exec(select(Enterprise).where(
            Enterprise.id.in_([m.key for m in verdict.similar])))}
        raise PossibleDuplicate([candidate(rows[m.key], m.score) for m in verdict.similar
                                 if m.key in rows])


def candidate(e: Enterprise, score: float) -> dict:
    return {"id": e.id, "name": e.name, "credit_code": e.credit_code, "city": e.city,
            "score": round(score, 1)}


def index(session: Session) -> EnterpriseIndex:
    return _cached(session)[1]


def candidates_of(session: Session, enterprise: Enterprise) -> list[dict]:
    """The enterprises the rule calls alike to a stored one (its 合并重复 button)."""
    verdict = index(session).check(enterprise.name, enterprise.credit_code,
                                   ignore_id=enterprise.id)
    found = ([(verdict.exact.id, 100.0)] if verdict.exact is not None
             and verdict.exact.deleted_at is None else [])
    found += [(m.key, m.score) for m in verdict.similar]
    rows = {e.id: e for e in session.exec(select(Enterprise).where(
        Enterprise.id.in_([i for i, _ in found]), Enterprise.deleted_at.is_(None)))}
    return [candidate(rows[i], s) for i, s in found if i in rows]


@dataclass(frozen=True)
class Pair:
    a: Enterprise
    b: Enterprise
    score: float
    reason: str


def pairs(session: Session, *, page: int, per_page: int) -> tuple[list[Pair], int]:
    """One page of suspected duplicate pairs, best first, and how many there are."""
    state = _cached(session, with_pairs=True)
    found = state[2] or []
    chunk = found[(page - 1) * per_page : page * per_page]
    ids = {i for a, b, _ in chunk for i in (a, b)}
    rows = {e.id: e for e in session.exec(select(Enterprise).where(Enterprise.id.in_(ids)))}
    return [Pair(rows[a], rows[b], s, reason(s)) for a, b, s in chunk
            if a in rows and b in rows], len(found)


def reason(score: float) -> str:
    if score >= 100:
        return "名称相同（规范化后）"
    if score == PLACE_ONLY:
        return "仅地名前缀不同"
    if score in (SHORT_SPREAD, SHORT_PREFIX):
        return "简称与全称"
    return "名称相近"


SUMS = ("count", "versions", "deleted", "name_lengths")  # what new rows add up to


def _signature(session: Session, *, after_id: int = -1) -> dict:
    e = Enterprise
    row = session.exec(select(func.count(), func.max(e.id), func.sum(e.version),
                              func.count(e.deleted_at), func.max(e.updated_at),
                              func.sum(func.length(e.name))).where(e.id > after_id)).one()
    keys = ("count", "max_id", "versions", "deleted", "updated", "name_lengths")
    return {k: (v or 0) if k in SUMS else str(v) for k, v in zip(keys, row, strict=True)}


def _cached(session: Session, *, with_pairs: bool = False):
    where = str(session.get_bind().url)
    signature = _signature(session)
    with _lock:
        state = _cache.get(where)
        if state is not None and state[0] != signature and _only_added(session, state[0],
                                                                       signature):
            for row in session.exec(select(Enterprise.id, Enterprise.name,
                                           Enterprise.credit_code, Enterprise.deleted_at)
                                    .where(Enterprise.id > int(state[0]["max_id"]))):
                state[1].add(row)
            state[1].primed.clear()  # near keys looked up before did not see these
            state = (signature, state[1], None)
        if state is None or state[0] != signature:
            state = (signature, EnterpriseIndex(session), None)
        if with_pairs and state[2] is None:
            state = (signature, state[1], state[1].pairs())
        _cache[where] = state
        return state


def _only_added(session: Session, old: dict, new: dict) -> bool:
    """Whether the table changed only by rows added after ``old`` was taken: then they
    are added to the index, not the whole index rebuilt (a form after each new record)."""
    if old["max_id"] == "None" or new["max_id"] == old["max_id"]:
        return False
    added = _signature(session, after_id=int(old["max_id"]))
    return all(old[k] + added[k] == new[k] for k in SUMS)
