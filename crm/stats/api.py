"""JSON for statistics and policy matching, under /api/v1 with the API's bearer tokens.

GET /api/v1/stats                       the statistics page's figures (same list filters)
GET /api/v1/projects/<id>/policies      可能适用的政策 of a project
GET /api/v1/enterprises/<id>/policies   可能适用的政策 of an enterprise
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from crm.bearer import api_user, authenticate
from crm.db import get_session
from crm.extensions import csrf
from crm.queries import ProjectFilters
from crm.services import enterprises, permissions, policy, projects
from crm.services import stats as stats_service

bp = Blueprint("stats_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only, as the main API blueprint
bp.before_request(authenticate)


@bp.get("/stats")
def stats():
    filters = ProjectFilters.from_args(request.args)
    user = api_user()
    if "city_code" not in request.args and permissions.home_city(user):
        filters.city_code = permissions.home_city(user)
    return jsonify(stats_service.as_json(stats_service.compute(get_session(), filters)))


@bp.get("/projects/<int:project_id>/policies")
def project_policies(project_id: int):
    session = get_session()
    project = projects.get_project(session, project_id)
    body = policy.match_project(session, project).as_json()
    estimate = policy.estimated_reward(session, project)
    body["project_id"] = project.id
    body["estimated_reward"] = None if estimate is None else {
        "amount_wan": float(estimate[0]), "city_code": estimate[1].city_code,
        "rate_percent": float(estimate[1].rate_percent),
        "cap_wan": float(estimate[1].cap_wan) if estimate[1].cap_wan is not None else None}
    return jsonify(body)


@bp.get("/enterprises/<int:enterprise_id>/policies")
def enterprise_policies(enterprise_id: int):
    session = get_session()
    enterprise = enterprises.get_enterprise(session, enterprise_id)
    body = policy.match_enterprise(session, enterprise).as_json()
    body["enterprise_id"] = enterprise.id
    return jsonify(body)
