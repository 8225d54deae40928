"""Duplicate enterprises: find them (credit code, normalised name, fuzzy name)
and merge two into one without losing a project, follow-up or contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, product

from sqlmodel import Session, select

from crm import rules
from crm.models import Contact, Enterprise, FollowUp, Project, User
from crm.services import attachments, audit, permissions, records
from crm.services.errors import ValidationFailed
from crm.tabular.name_join import near_pairs
from crm.tabular.name_parts import SHORT_MAX, parts
from crm.tabular.names import (
    DUPLICATE_SCORE,
    NameMatch,
    key_score,
    normalize_name,
    similar_keys,
)


@dataclass
class Verdict:
    """How a candidate record relates to what is stored (or already imported)."""

    exact: object | None = None  # same credit code, or same normalised name
    reason: str = ""  # Chinese: why it is the same
    similar: list[NameMatch] = field(default_factory=list)


class EnterpriseIndex:
    """All enterprises by credit code and normalised name, for fast look-ups
    while many rows are checked. Records created meanwhile are added."""

    def __init__(self, session: Session | None):
        self.by_code: dict[str, Enterprise] = {}
        self.ids_of_key: dict[str, list[int]] = {}  # normalised name → live ids, first first
        self.by_id: dict[int, Enterprise] = {}
        self.primed: dict[str, list[tuple[str, float]]] = {}  # key → near keys (ratio)
        self.keys_of_body: dict[str, set[str]] = {}  # a name without its leading place
        self.heads: dict[str, set[str]] = {}  # first characters → keys a short name may abbreviate
        self.short_heads: dict[str, set[str]] = {}  # the same, for stored names that look short
        if session is None:
            return
        # only the four columns a check reads: a province holds ~10^5 enterprises
        columns = (Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.deleted_at)
        for enterprise in session.exec(select(*columns)):
            self.add(enterprise)

    @classmethod
    def from_rows(cls, rows) -> EnterpriseIndex:
        """An index over rows with id, name, credit_code and deleted_at (benchmarks)."""
        index = cls(None)
        for row in rows:
            index.add(row)
        return index

    def add(self, enterprise) -> None:
        """An Enterprise, or a row with its id, name, credit_code and deleted_at."""
        if enterprise.credit_code:
            self.by_code.setdefault(enterprise.credit_code, enterprise)
        if enterprise.deleted_at is not None:
            return  # a deleted record still owns its credit code, not its name
        key = normalize_name(enterprise.name)
        self.by_id[enterprise.id] = enterprise
        if key:
            if key not in self.ids_of_key:
                self._add_key(key)
            self.ids_of_key.setdefault(key, []).append(enterprise.id)

    def _add_key(self, key: str) -> None:
        p = parts(key)
        self.keys_of_body.setdefault(p.body, set()).add(key)
        for head in {p.body[:2], p.short[:2], key[:3]}:
            self.heads.setdefault(head, set()).add(key)
            if len(p.short) <= SHORT_MAX:
                self.short_heads.setdefault(head, set()).add(key)

    def prime(self, names) -> None:
        """Find, at once, the near names of every name about to be checked (an
        import's whole column) among those stored and each other: one filtered
        pass instead of scoring each row against every enterprise."""
        keys = [normalize_name(n) for n in names]
        self.primed = similar_keys(keys, [*self.ids_of_key, *keys], threshold=DUPLICATE_SCORE)

    def check(self, name: str | None, credit_code: str | None, *,
              ignore_id: int | None = None) -> Verdict:
        """``ignore_id``: the record being edited, which is not its own duplicate."""
        found = self.by_code.get(credit_code) if credit_code else None
        if found is not None and found.id != ignore_id:
            where = "（在回收站中）" if found.deleted_at is not None else ""
            return Verdict(found, f"统一社会信用代码与已有企业“{found.name}”{where}相同")
        key = normalize_name(name)
        same = [i for i in self.ids_of_key.get(key, ()) if i != ignore_id]
        found = self.by_id[same[0]] if same else None
        if found is not None and not (credit_code and found.credit_code):
            return Verdict(found, f"与已有企业“{found.name}”名称相同")
        similar = [
            NameMatch(i, self.by_id[i].name, score)
            for i, score in self._near(key, limit=6)
            if i != ignore_id and not (credit_code and self.by_id[i].credit_code)
        ]
        return Verdict(similar=similar[:5])

    def pairs(self) -> list[tuple[int, int, float]]:
        """Every pair of live records ``check`` would call alike — the same key, or a
        ``key_score`` of ``DUPLICATE_SCORE`` or more between candidates found as
        ``_near`` finds them (near keys, the same body, short-name heads) — best
        first, as (id, id, score). Two records with credit codes are two companies."""
        found: dict[tuple[int, int], float] = {}
        for ids in self.ids_of_key.values():
            for a, b in combinations(ids, 2):
                self._pair(found, a, b, 100.0)
        scored: set[tuple[str, str]] = set()
        for a, b in self._candidate_keys():
            if a == b or (a, b) in scored or (b, a) in scored:
                continue
            scored.add((a, b))
            score = key_score(a, b)
            if score >= DUPLICATE_SCORE:
                for i, j in product(self.ids_of_key[a], self.ids_of_key[b]):
                    self._pair(found, i, j, score)
        return sorted(((a, b, s) for (a, b), s in found.items()), key=lambda p: (-p[2], p[0]))

    def _pair(self, found: dict, a: int, b: int, score: float) -> None:
        if self.by_id[a].credit_code and self.by_id[b].credit_code:
            return
        pair = (min(a, b), max(a, b))
        found[pair] = max(score, found.get(pair, 0.0))

    def _candidate_keys(self):
        yield from ((a, b) for a, b, _ in near_pairs(self.ids_of_key))
        for keys in self.keys_of_body.values():
            yield from combinations(sorted(keys), 2)
        for key in self.ids_of_key:  # a short name against the full names it may head
            p = parts(key)
            if len(p.short) <= SHORT_MAX:
                for others in self._short_candidates(p):
                    yield from ((key, other) for other in others)

    def _near(self, key: str, limit: int = 5) -> list[tuple[int, float]]:
        """(id, score) of the enterprises whose names are near ``key``, best first."""
        if not key:
            return []
        if key not in self.primed:  # a name outside the primed column: looked up alone
            self.primed.update(similar_keys([key], [*self.ids_of_key, key],
                                            threshold=DUPLICATE_SCORE))
        p = parts(key)
        others = set().union(
            (other for other, _ in self.primed[key]),
            self.keys_of_body.get(p.body, ()),  # the same name with another place or none
            *self._short_candidates(p),
        )
        found = [(i, 100.0) for i in self.ids_of_key.get(key, ())]
        for other in others - {key}:
            score = key_score(key, other)  # place, numbers, branch and short-name rules
            if score >= DUPLICATE_SCORE:
                found += [(i, score) for i in self.ids_of_key.get(other, ())]
        return sorted(found, key=lambda pair: -pair[1])[:limit]

    def _short_candidates(self, p) -> list[set[str]]:
        """Stored names a short name may abbreviate (长春高新 → 长春高新技术产业…), and
        stored short names a full name may be written as: by their first characters."""
        heads = {p.body[:2], p.short[:2], p.key[:3]}
        found = [self.short_heads.get(h, set()) for h in heads]
        if len(p.short) <= SHORT_MAX:
            found += [self.heads.get(h, set()) for h in heads]
        return found


# --- merge -------------------------------------------------------------------
MERGE_FILL = (
    "credit_code",
    "province",
    "city",
    "chain_segment",
    "revenue_wan",
    "lon",
    "lat",
    "owner_id",
)


@records.refuse_races("keep")
def merge_enterprises(
    *, session: Session, keep: Enterprise, drop: Enterprise, user: User
) -> Enterprise:
    """Move every project, follow-up and contact of ``drop`` to ``keep``, fill
    ``keep``'s empty fields from ``drop``, then delete ``drop`` (restorable).
    Both sides are written to the audit trail as a 合并."""
    permissions.require(permissions.can_edit_enterprise(user), "您没有合并企业的权限。")
    if keep.id == drop.id:
        raise ValidationFailed({"drop_id": "不能把企业与自己合并"})
    for which in (keep, drop):
        if which.deleted_at is not None:
            raise ValidationFailed({"drop_id": f"企业“{which.name}”已删除，请先恢复"})
    moved = {
        "projects": _move(session, Project, drop.id, keep.id, user),
        "followups": _move(session, FollowUp, drop.id, keep.id, user),
        "contacts": _move(session, Contact, drop.id, keep.id, None),
        "attachments": attachments.move_all(session, "enterprises", drop.id, keep.id),
    }
    filled = _fill(session, keep, drop)
    records.soft_delete(session, drop, user=user, summary=f"已合并到“{keep.name}”")
    keep.version += 1
    keep.updated_at = drop.deleted_at
    session.add(keep)
    counts = (
        f"项目 {moved['projects']} 个，跟进记录 {moved['followups']} 条，"
        f"联系人 {moved['contacts']} 位"
        + (f"，附件 {moved['attachments']} 个" if moved["attachments"] else "")
    )
    audit.record(
        session,
        user=user,
        action="merge",
        obj=keep,
        changes={"merged_from": [None, drop.id], **filled},
        summary=f"合并“{drop.name}”（#{drop.id}）：{counts}",
    )
    audit.record(
        session,
        user=user,
        action="merge",
        obj=drop,
        changes={"merged_into": [None, keep.id]},
        summary=f"并入“{keep.name}”（#{keep.id}）",
    )
    session.commit()
    return keep


def _move(session: Session, model, old_id: int, new_id: int, user: User | None) -> int:
    rows = list(session.exec(select(model).where(model.enterprise_id == old_id)))
    for row in rows:
        row.enterprise_id = new_id
        if hasattr(row, "version"):
            row.version += 1
        session.add(row)
        if user is not None:
            audit.record(
                session,
                user=user,
                action="update",
                obj=row,
                changes={"enterprise_id": [old_id, new_id]},
                summary="企业合并",
            )
    return len(rows)


def _fill(session: Session, keep: Enterprise, drop: Enterprise) -> dict:
    changes: dict = {}
    for name in MERGE_FILL:
        if getattr(keep, name) in (None, "") and getattr(drop, name) not in (None, ""):
            changes[name] = [None, audit.jsonable(getattr(drop, name))]
    if "credit_code" in changes:  # unique: free it on the dropped record first
        code, drop.credit_code = drop.credit_code, None
        session.add(drop)
        session.flush()
        keep.credit_code = code
    for name in changes:
        if name != "credit_code":
            setattr(keep, name, getattr(drop, name))
    if "city" in changes:
        keep.city_code = drop.city_code
    keep.jizhe = rules.is_jizhe(keep.province)
    if drop.is_key_target and not keep.is_key_target:
        changes["is_key_target"] = [False, True]
        keep.is_key_target = True
    if drop.notes:
        merged = f"{keep.notes}\n【合并自“{drop.name}”】{drop.notes}".strip()
        changes["notes"] = [keep.notes, merged]
        keep.notes = merged
    return changes
