"""The services of a record type with no rules beyond its schema and vocabularies:
create, update, delete and restore with the uniform signatures the record
registry (crm.records) expects, each validated, versioned, audited and committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlmodel import Session

from crm.models import User
from crm.services import audit, permissions, records
from crm.services.errors import ValidationFailed
from crm.services.validation import check_choice, nulls_for_required, parse


@dataclass(frozen=True)
class PlainService:
    model: type
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    labels: dict[str, str]
    what: str  # Chinese name, for 404 messages
    vocabularies: dict[str, dict] = field(default_factory=dict)
    may_write: Callable[[User | None], bool] = permissions.can_write_anything

    def get(self, session: Session, obj_id, *, include_deleted: bool = False):
        return records.get_live(session, self.model, obj_id, self.what,
                                include_deleted=include_deleted)

    def create(self, *, session: Session, data: dict, user: User):
        self._require(user)
        values = self._checked(parse(self.create_schema, dict(data), self.labels).model_dump())
        obj = self.model(**values)
        session.add(obj)
        session.flush()
        audit.record(session, user=user, action="create", obj=obj,
                     changes=audit.diff({}, values))
        session.commit()
        return obj

    def update(self, *, session: Session, obj, data: dict, user: User):
        return self._update(session=session, obj=obj, data=data, user=user)

    def delete(self, *, session: Session, obj, user: User) -> None:
        self._require(user)
        records.soft_delete(session, obj, user=user)
        session.commit()

    def restore(self, *, session: Session, obj, user: User) -> None:
        self._require(user)
        records.restore(session, obj, user=user)
        session.commit()

    @records.refuse_races("obj")
    def _update(self, *, session: Session, obj, data: dict, user: User):
        self._require(user)
        raw = dict(data)
        version = raw.pop("version", None)
        records.check_version(obj, version, raw)
        values = parse(self.update_schema, raw, self.labels).model_dump(exclude_unset=True)
        values.pop("version", None)
        nulls_for_required(self.model, values, self.labels)
        changes = records.apply_changes(obj, self._checked(values))
        if changes:
            audit.record(session, user=user, action="update", obj=obj, changes=changes)
        session.add(obj)
        session.commit()
        return obj

    def _require(self, user: User | None) -> None:
        permissions.require(self.may_write(user))

    def _checked(self, values: dict) -> dict:
        """Coded fields take a code or its Chinese label (stored as the code)."""
        errors: dict[str, str] = {}
        for name, vocab in self.vocabularies.items():
            if name in values:
                check_choice(errors, values, self.labels, name, vocab)
        if errors:
            raise ValidationFailed(errors)
        return values
