"""The OpenAPI document: valid 3.1, every endpoint, schemas from the SQLModel models."""

import json
import re

import pytest

from crm.records import REGISTRY as KINDS

EXPECTED = {
    "/api/v1/enterprises": {"get", "post"},
    "/api/v1/enterprises/{obj_id}": {"get", "patch", "delete"},
    "/api/v1/enterprises/{obj_id}/restore": {"post"},
    "/api/v1/projects": {"get", "post"},
    "/api/v1/projects/{obj_id}": {"get", "patch", "delete"},
    "/api/v1/projects/{obj_id}/restore": {"post"},
    "/api/v1/projects/{obj_id}/stage": {"post"},
    "/api/v1/followups": {"get", "post"},
    "/api/v1/followups/{obj_id}": {"get", "patch", "delete"},
    "/api/v1/followups/{obj_id}/restore": {"post"},
    "/api/v1/openapi.json": {"get"},
}
METHODS = {"get", "post", "patch", "delete", "put"}


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return json.loads(r.data)


def test_document_lists_every_endpoint(doc):
    assert doc["openapi"].startswith("3.1")
    found = {path: set(ops) & METHODS for path, ops in doc["paths"].items()}
    assert {path: found[path] for path in EXPECTED} == EXPECTED


def test_every_api_route_is_documented(app, doc):
    """A new API route without a line in the document fails here."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        assert {m.lower() for m in rule.methods} - {"head", "options"} <= set(doc["paths"][path])


def test_document_is_valid_openapi_31(doc):
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    errors = [str(e) for e in definitions.OPENAPI_31_VALIDATOR.iter_errors(doc)]
    assert errors == []


def test_schemas_are_valid_json_schema_2020_12(doc):
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_schemas_come_from_the_models(doc):
    schemas = doc["components"]["schemas"]
    for kind in KINDS.values():
        for model in (kind.create_schema, kind.update_schema, kind.public_schema):
            flags = set() if model is kind.public_schema else set(kind.flags)  # allow_similar
            assert set(model.model_fields) | flags == set(schemas[model.__name__]["properties"])
    project = schemas["ProjectPublic"]["properties"]
    assert {"case_by_case", "jizhe", "version"} <= project.keys()
    assert {"type": "number"} in project["planned_investment_wan"]["anyOf"]
    assert "contacts" in schemas["EnterprisePublic"]["properties"]
    assert project["stage"]["enum"] == ["lead", "contact", "visit", "negotiation", "signed",
                                        "started", "producing", "paused", "dropped"]
    assert schemas["ProjectCreate"]["properties"]["name"]["description"] == "项目名称"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearerAuth": []}]
    assert schemas["Error"]["required"] == ["error"]


def test_documented_responses_include_the_errors(doc):
    patch = doc["paths"]["/api/v1/projects/{obj_id}"]["patch"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(patch["responses"])
    assert patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProjectUpdate")
    params = {p["name"] for p in doc["paths"]["/api/v1/projects"]["get"]["parameters"]}
    assert {"page", "per_page", "city_code", "stage", "case_by_case", "jizhe", "q"} <= params
