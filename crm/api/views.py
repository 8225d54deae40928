"""JSON API, /api/v1: every record type of the registry (crm.records) over bearer
tokens; ``make_blueprint()`` builds the routes for the types registered when the app
is made, so a declared type gets its API with no code here.

Every rule lives in the services (crm/services/*); this module only turns HTTP
into service calls and service results and errors into JSON:

* 400 malformed JSON / body not an object; 401 no or bad token; 403 Forbidden;
  404 NotFound; 409 stale ``version`` (with ``current``) or a possible duplicate
  enterprise (with ``candidates``; ``allow_similar=true`` confirms); 422 field errors.
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request, url_for
from sqlmodel import Session, select

from crm.api.openapi import build_document
from crm.api.schemas import MAX_PER_PAGE, STAGE_MOVE_LABELS, StageMove
from crm.bearer import api_user, authenticate
from crm.db import get_session
from crm.extensions import csrf
from crm.models import Contact, Enterprise, EnterprisePublic, Project
from crm.queries import list_page
from crm.records import REGISTRY, RecordType, of_model
from crm.services import permissions, projects
from crm.services.errors import (
    PossibleDuplicate,
    ServiceError,
    ValidationFailed,
    VersionConflict,
)
from crm.services.validation import parse

DEFAULT_PER_PAGE = 50
# Integers in query strings and paths beyond this are refused (database integer range).
MAX_INT = 2**31 - 1
PUBLIC_ENDPOINTS = {"api.openapi"}


# --- serialisation -----------------------------------------------------------------

def serialize(session: Session, obj) -> dict:
    data = serialize_many(session, [obj])[0]
    if isinstance(obj, Project):
        data["location_warning"] = projects.location_warning(obj)
    return data


def serialize_many(session: Session, objs: list) -> list[dict]:
    if not objs:
        return []
    kind = of_model(type(objs[0]))
    if kind.model is Enterprise:
        contacts = contacts_by_enterprise(session, [o.id for o in objs])
        return [EnterprisePublic.model_validate(
            {**o.model_dump(), "contacts": [c.model_dump(exclude={"id", "enterprise_id"})
                                            for c in contacts.get(o.id, [])]}
        ).model_dump(mode="json") for o in objs]
    return [kind.public_schema.model_validate(o.model_dump()).model_dump(mode="json")
            for o in objs]


def contacts_by_enterprise(session: Session, ids: list[int]) -> dict[int, list[Contact]]:
    out: dict[int, list[Contact]] = {}
    stmt = select(Contact).where(Contact.enterprise_id.in_(ids)).order_by(Contact.id)
    for contact in session.exec(stmt):
        out.setdefault(contact.enterprise_id, []).append(contact)
    return out


# --- request helpers ---------------------------------------------------------------

class BadRequest(Exception):
    """400 with a Chinese message (malformed JSON, body not an object)."""


def json_body() -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("请求体为空：应为 JSON 对象。")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("请求体不是有效的 JSON。") from None
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象（{...}）。")
    return data


def with_flags(kind: RecordType, data: dict) -> dict:
    """The type's flags (allow_similar) given in the query string join the body."""
    for name in kind.flags:
        if name in request.args:
            data[name] = request.args[name]
    return data


def query_int(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter; outside [low, high] is clamped, junk is a 422."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed({name: f"{name}：应为整数"}) from None
    return max(low, min(value, high))


def check_query_ints(filter_cls) -> None:
    """Integer filters out of the database range would overflow the driver: 422."""
    errors = {}
    for name in integer_filter_names(filter_cls):
        raw = request.args.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[name] = f"{filter_cls.LABELS.get(name, name)}：应为整数"
            continue
        if not 0 <= value <= MAX_INT:
            errors[name] = f"{filter_cls.LABELS.get(name, name)}：超出范围"
    if errors:
        raise ValidationFailed(errors)


def check_sort(filter_cls) -> None:
    """An unknown ``sort`` (``null``, a typo) is a 400: not silently the default order."""
    raw = request.args.get("sort")
    if raw is not None and raw.strip() and not filter_cls.known_sort(raw.strip()):
        raise BadRequest(f"sort：未知的排序方式“{raw[:50]}”（可选："
                         + "、".join(filter_cls.sort_values()) + "）")


def integer_filter_names(filter_cls) -> list[str]:
    from dataclasses import fields

    return [f.name for f in fields(filter_cls)
            if "int" in str(f.type) and f.name != "page"]


def load(kind: RecordType, obj_id: int, *, include_deleted: bool = False):
    return kind.get(get_session(), obj_id, include_deleted=include_deleted)


# --- errors ------------------------------------------------------------------------

def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return authenticate()


def _bad_request(exc: BadRequest):
    get_session().rollback()
    return jsonify({"error": str(exc)}), 400


def _conflict(exc: VersionConflict):
    session = get_session()
    session.rollback()  # whatever was half-applied goes; ``current`` is what is stored
    session.refresh(exc.current)
    return jsonify({"error": str(exc), "current": serialize(session, exc.current)}), 409


def _service_error(exc: ServiceError):
    get_session().rollback()
    body = {"error": str(exc)}
    if isinstance(exc, ValidationFailed):
        body["fields"] = exc.fields
    if isinstance(exc, PossibleDuplicate):
        body["candidates"] = exc.candidates
    return jsonify(body), exc.status


# --- endpoints ---------------------------------------------------------------------

def list_view(kind: RecordType):
    def view():
        session = get_session()
        check_query_ints(kind.filters)
        per_page = query_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        page = query_int("page", 1, 1, MAX_INT // MAX_PER_PAGE)
        check_sort(kind.filters)
        flt = kind.filters.from_args(request.args)
        result = list_page(session, flt, page=page, per_page=per_page)
        return jsonify({"items": serialize_many(session, result.items), "total": result.total,
                        "total_capped": result.capped, "page": page, "per_page": per_page})
    return view


def create_view(kind: RecordType):
    def view():
        session = get_session()
        obj = kind.create(session=session, data=with_flags(kind, json_body()), user=api_user())
        response = jsonify(serialize(session, obj))
        response.status_code = 201
        response.headers["Location"] = url_for(f"api.{kind.name}_get", obj_id=obj.id)
        return response
    return view


def get_view(kind: RecordType):
    def view(obj_id: int):
        session = get_session()
        return jsonify(serialize(session, load(kind, obj_id)))
    return view


def update_view(kind: RecordType):
    def view(obj_id: int):
        session = get_session()
        data = with_flags(kind, json_body())
        obj = kind.update(session=session, obj=load(kind, obj_id), data=data, user=api_user())
        return jsonify(serialize(session, obj))
    return view


def delete_view(kind: RecordType):
    def view(obj_id: int):
        session = get_session()
        kind.delete(session=session, obj=load(kind, obj_id), user=api_user())
        return "", 204
    return view


def restore_view(kind: RecordType):
    def view(obj_id: int):
        session = get_session()
        obj = load(kind, obj_id, include_deleted=True)
        user = api_user()
        if obj.deleted_at is None:  # nothing to restore: answer as restored, change nothing
            permissions.require(kind.can_edit(session, user, obj))
        else:
            kind.restore(session=session, obj=obj, user=user)
        return jsonify(serialize(session, obj))
    return view


def projects_stage(obj_id: int):
    """Move a project to another stage."""
    session = get_session()
    move = parse(StageMove, json_body(), STAGE_MOVE_LABELS)
    project = load(REGISTRY["projects"], obj_id)
    projects.move_stage(session=session, project=project, to_stage=move.stage,
                        reason=move.reason, user=api_user(), version=move.version)
    return jsonify(serialize(session, project))


def openapi():
    return jsonify(build_document())


def make_blueprint() -> Blueprint:
    """/api/v1 with the routes of every registered record type."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    csrf.exempt(bp)  # bearer tokens, never cookies: nothing for CSRF to protect
    bp.before_request(_authenticate)
    bp.register_error_handler(BadRequest, _bad_request)
    bp.register_error_handler(VersionConflict, _conflict)
    bp.register_error_handler(ServiceError, _service_error)
    for kind in REGISTRY.values():
        add_routes(bp, kind)
    bp.add_url_rule("/projects/<int:obj_id>/stage", "projects_stage", projects_stage,
                    methods=["POST"])
    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])
    return bp


def add_routes(bp: Blueprint, kind: RecordType) -> None:
    base = f"/{kind.name}"
    for suffix, action, methods, view in ROUTES:
        bp.add_url_rule(base + suffix, f"{kind.name}_{action}", view(kind), methods=methods)


# (path after /<name>, endpoint suffix, methods, view factory); the OpenAPI document
# describes the same operations
ROUTES = [
    ("", "list", ["GET"], list_view),
    ("", "create", ["POST"], create_view),
    ("/<int:obj_id>", "get", ["GET"], get_view),
    ("/<int:obj_id>", "update", ["PATCH"], update_view),
    ("/<int:obj_id>", "delete", ["DELETE"], delete_view),
    ("/<int:obj_id>/restore", "restore", ["POST"], restore_view),
]
