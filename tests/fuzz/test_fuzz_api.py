"""Fuzz the JSON API from its own OpenAPI document with schemathesis.

Every operation in /api/v1/openapi.json gets schema-valid (positive) and
schema-violating (negative) requests, as a staff user with a bearer token,
against the WSGI app. Checks: no 5xx (not_a_server_error), status codes, content
types and bodies as documented. Afterwards nothing stored may break a rule
(tests/fuzz/fuzz_invariants.py).

ZHAOSHANG_FUZZ_EXAMPLES sets examples per operation and mode (default 25, keeps
the test well under a minute; the bench/README.md run used 200).
"""

from __future__ import annotations

import json
import os
import time

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.db import session_scope  # noqa: E402
from crm.services import enterprises, followups, projects  # noqa: E402
from tests.api.api_helpers import token_for  # noqa: E402
from tests.fuzz.fuzz_invariants import counts, stored_garbage  # noqa: E402

EXAMPLES = int(os.environ.get("ZHAOSHANG_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
REPORT = os.environ.get("ZHAOSHANG_FUZZ_REPORT")  # write a JSON summary here


def seed(app, user) -> dict[str, list[int]]:
    """A few real records so item operations hit something besides 404."""
    ids: dict[str, list[int]] = {"enterprises": [], "projects": [], "followups": []}
    with app.app_context(), session_scope() as s:
        user = s.merge(user)
        for i, province in enumerate(("浙江省", "广东省", None)):
            e = enterprises.create_enterprise(session=s, user=user, data={
                "name": f"种子企业{i}", "province": province,
                "contacts": [{"name": f"联系人{i}"}]})
            ids["enterprises"].append(e.id)
        for i, (city, amount) in enumerate((("220100", "100000"), ("220200", "99999.99"),
                                            (None, None), ("220300", "5000"))):
            p = projects.create_project(session=s, user=user, data={
                "name": f"种子项目{i}", "city_code": city, "planned_investment_wan": amount,
                "enterprise_id": ids["enterprises"][i % 3]})
            ids["projects"].append(p.id)
        for i, pid in enumerate(ids["projects"]):
            f = followups.create_followup(session=s, user=user, data={
                "project_id": pid, "date": f"2024-0{i + 1}-10", "summary": f"种子跟进{i}",
                "next_due": f"2024-0{i + 2}-01"})
            ids["followups"].append(f.id)
    return ids


def point_at_real_records(case, ids: dict[str, list[int]]) -> None:
    """Most generated ids are remapped onto seeded records (deterministically, so
    Hypothesis can still shrink); every fifth stays as generated (mostly 404)."""
    params = case.path_parameters or {}
    known = ids.get(case.operation.path.split("/")[3]) or []
    for name, value in params.items():
        params[name] = _remap(value, known)
    if isinstance(case.body, dict):  # references in bodies too: follow-ups need a project
        for field, kind in BODY_REFERENCES.items():
            if field in case.body:
                case.body[field] = _remap(case.body[field], ids[kind])


BODY_REFERENCES = {"project_id": "projects", "enterprise_id": "enterprises", "owner_id": "users"}


def _remap(value, known: list[int]):
    if isinstance(value, int) and not isinstance(value, bool) and known and value % 5:
        return known[value % len(known)]
    return value


def run_order(operation) -> tuple:
    """Reads and creates first, then edits and stage moves, deletes, restores last, so
    item operations meet live records before DELETE removes them."""
    path, method = operation.path, operation.method.upper()
    rank = {"GET": 0, "POST": 1, "PATCH": 2, "DELETE": 4}.get(method, 3)
    if path.endswith("/stage"):
        rank = 3
    if path.endswith("/restore"):
        rank = 5
    return rank, path


def fuzz_operation(operation, mode, headers: dict, ids: dict, seen: dict):
    """A Hypothesis test for one operation and mode; counts answers by status in ``seen``."""
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              print_blob=True, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case):
        point_at_real_records(case, ids)
        response = case.call(headers=headers)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        case.validate_response(response, checks=checks, headers=headers)

    return run


def test_api_fuzz_no_5xx_and_conforming(app, make_user):
    staff = make_user("staff")
    token = token_for(app, staff)
    ids = seed(app, staff)
    ids["users"] = [staff.id]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    failures: list[str] = []
    statuses: dict[str, dict[int, int]] = {}
    started = time.monotonic()
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=run_order)
    assert len(operations) >= 20

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        seen = statuses.setdefault(label, {})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = fuzz_operation(operation, mode, headers, ids, seen)
            try:
                run()
            except Unsatisfiable:  # nothing to negate (an operation without inputs)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collect all, report at the end
                failures.append(f"{label} [{mode.value}]: {type(exc).__name__}: {exc}"[:3000])

    with app.app_context(), session_scope() as session:
        garbage = stored_garbage(session)
        stored = counts(session)
    examples = sum(n for seen in statuses.values() for n in seen.values())
    summary = {"operations": len(operations), "examples": examples,
               "seconds": round(time.monotonic() - started, 1), "stored": stored,
               "failures": len(failures), "garbage": len(garbage), "statuses": statuses}
    if REPORT:
        with open(REPORT, "w") as fh:
            json.dump(summary | {"failure_text": failures, "garbage_text": garbage}, fh,
                      ensure_ascii=False, indent=1)
    print(json.dumps(summary, ensure_ascii=False))
    assert not failures, "\n\n".join(failures)
    assert not garbage, "\n".join(garbage)
    # the run reached the database, not only the validators
    assert stored["projects"] > len(ids["projects"]) or stored["enterprises"] > 3
