"""统计 (/stats): the statistics page and its drill-down list and .xlsx exports, the policy
overview (/stats/policy), the per-city reward rules (/stats/rewards, admin edits) and the
到位资金 forms posted from a project page (/stats/projects/<id>/funds).

Template globals registered here for the project and enterprise detail pages:
``policy_matches(obj)``, ``fund_arrivals(project)``, ``reward_estimate(project)``,
``can_edit_funds(project)`` and ``stats_url(args)`` (the list behind a figure).
"""

from __future__ import annotations

import io
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from crm import clock
from crm.db import get_session
from crm.models import Enterprise, Project
from crm.queries import ProjectFilters
from crm.services import funding, permissions, policy, reference
from crm.services import stats as stats_service
from crm.services.errors import ValidationFailed
from crm.tabular.writers import write_xlsx

bp = Blueprint("stats", __name__, url_prefix="/stats")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CROSSINGS_DAYS = 365


def filters_for_user(args) -> ProjectFilters:
    """The list filters from the query; a city user sees their city unless the query says
    otherwise (``city_code=`` empty clears it)."""
    filters = ProjectFilters.from_args(args)
    if "city_code" not in args and permissions.home_city(current_user):
        filters.city_code = permissions.home_city(current_user)
    return filters


def figure_url(args: dict | None) -> str | None:
    """The list behind a figure: the project list when the list filters express it, else
    the statistics drill-down list."""
    if args is None:
        return None
    clean = {k: v for k, v in args.items() if v not in (None, "")}
    if any(k in clean for k in stats_service.DRILL_KEYS) or \
            "projects.index" not in current_app.view_functions:
        if "city_code" not in clean and permissions.home_city(current_user):
            clean["city_code"] = ""  # figures come from resolved filters: no city = cleared
        return url_for("stats.drill", **clean)
    return url_for("projects.index", **clean)


def _query_args(filters: ProjectFilters) -> dict:
    args = filters.to_args()
    args.pop("page", None)
    if "city_code" not in args and permissions.home_city(current_user):
        args["city_code"] = ""  # keep "cleared" when following links and exports
    return args


@bp.route("")
@login_required
def index():
    session = get_session()
    filters = filters_for_user(request.args)
    result = stats_service.compute(session, filters)
    names = reference.division_names(session)
    return render_template(
        "stats/index.html", s=result, filters=filters, args=_query_args(filters),
        description=filters.describe(names), opts=_filter_options(session),
        tables=stats_service.TABLES, charts=_chart_data(result))


@bp.route("/export/<name>.xlsx")
@login_required
def export(name: str):
    if name not in stats_service.TABLES:
        abort(404)
    session = get_session()
    filters = filters_for_user(request.args)
    result = stats_service.compute(session, filters)
    title, columns, rows = stats_service.table(result, name)
    full_title = f"{title}（{filters.describe(reference.division_names(session))}）"
    buffer = io.BytesIO()
    write_xlsx(buffer, columns, rows, title=full_title, sheet_name=title[:31])
    buffer.seek(0)
    stamp = clock.today().strftime("%Y%m%d")
    return send_file(buffer, mimetype=XLSX, as_attachment=True,
                     download_name=f"统计-{title}-{stamp}.xlsx")


@bp.route("/list")
@login_required
def drill():
    session = get_session()
    filters = filters_for_user(request.args)
    criteria = stats_service.DrillCriteria.from_args(request.args)
    projects = stats_service.drill(session, filters, criteria)
    names = reference.division_names(session)
    description = "；".join(x for x in (filters.describe(names), criteria.describe()) if x)
    return render_template("stats/drill.html", projects=projects, description=description,
                           names=names, args=_query_args(filters))


@bp.route("/policy")
@login_required
def policy_overview():
    session = get_session()
    city = permissions.home_city(current_user)
    since = clock.now() - timedelta(days=CROSSINGS_DAYS)
    crossings = policy.revenue_crossings(session, since=since, city_code=city)
    measures = policy._measures(session)
    return render_template("stats/policy.html", measures=measures.values(),
                           rule_rows=policy.rule_rows(), crossings=crossings,
                           days=CROSSINGS_DAYS, city=city)


@bp.route("/rewards", methods=["GET", "POST"])
@login_required
def rewards():
    session = get_session()
    is_admin = permissions.is_admin(current_user)
    errors: dict[str, str] = {}
    form = MultiDict()
    if request.method == "POST":
        if not is_admin:
            abort(403)
        form = request.form
        try:
            if form.get("action") == "delete":
                funding.delete_reward_rule(session=session, city_code=form.get("city_code", ""),
                                           user=current_user)
                flash("已删除该市（州）的奖励规则。", "success")
            else:
                funding.set_reward_rule(session=session, city_code=form.get("city_code", ""),
                                        rate_percent=form.get("rate_percent"),
                                        cap_wan=form.get("cap_wan"), note=form.get("note", ""),
                                        user=current_user)
                flash("奖励规则已保存。", "success")
            return redirect(url_for("stats.rewards"))
        except ValidationFailed as exc:
            session.rollback()
            errors = exc.fields
    status = 422 if errors else 200
    return render_template("stats/rewards.html", rules_=funding.reward_rules(session),
                           cities=reference.jilin_prefectures(session),
                           names=reference.division_names(session), is_admin=is_admin,
                           errors=errors, form=form), status


# --- 到位资金 on a project ------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/funds", methods=["POST"])
@login_required
def add_funds(project_id: int):
    session = get_session()
    project = _project(project_id)
    try:
        funding.add_arrival(session=session, project=project, data=request.form.to_dict(),
                            user=current_user)
        flash("到位资金已登记，实际投资额已同步。", "success")
    except ValidationFailed as exc:
        session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
    return redirect(_back(project_id))


@bp.route("/funds/<int:arrival_id>/delete", methods=["POST"])
@login_required
def delete_funds(arrival_id: int):
    session = get_session()
    arrival = funding.get_arrival(session, arrival_id)
    funding.delete_arrival(session=session, arrival=arrival, user=current_user)
    flash("到位资金记录已删除，实际投资额已同步。", "success")
    return redirect(_back(arrival.project_id))


def _project(project_id: int) -> Project:
    project = get_session().get(Project, project_id)
    if project is None or project.deleted_at is not None:
        abort(404)
    return project


def _back(project_id: int) -> str:
    if "projects.detail" in current_app.view_functions:
        return url_for("projects.detail", project_id=project_id) + "#funds"
    return url_for("stats.index")


# --- template globals for the detail pages ------------------------------------------------

@bp.app_template_global()
def policy_matches(obj):
    """可能适用的政策 of a Project or an Enterprise (a policy.PolicyReport)."""
    session = get_session()
    if isinstance(obj, Project):
        return policy.match_project(session, obj)
    if isinstance(obj, Enterprise):
        return policy.match_enterprise(session, obj)
    return None


@bp.app_template_global()
def fund_arrivals(project):
    return funding.arrivals_of(get_session(), project.id)


@bp.app_template_global()
def reward_estimate(project):
    """(reward 万元, CityRewardRule) or None."""
    return policy.estimated_reward(get_session(), project)


@bp.app_template_global()
def can_edit_funds(project) -> bool:
    return permissions.can_edit_project(current_user, project) and project.deleted_at is None


@bp.app_template_global()
def stats_url(args):
    return figure_url(args)


# --- helpers -----------------------------------------------------------------------------

def _filter_options(session) -> dict:
    from crm.views_common import filter_options

    return filter_options(session)


def _chart_data(result) -> dict:
    """Plain numbers for Chart.js (the tables beside the charts carry the same figures)."""
    return {
        "funnel": {"labels": [r["label"] for r in result.funnel],
                   "counts": [r["count"] for r in result.funnel],
                   "reached": [r["reached"] for r in result.funnel]},
        "city": {"labels": [r["label"] for r in result.groups["city"]],
                 "planned": [float(r["planned_wan"]) for r in result.groups["city"]],
                 "actual": [float(r["actual_wan"]) for r in result.groups["city"]]},
        "monthly": {"labels": [r["month"] for r in result.monthly],
                    "signed": [r["signed"] for r in result.monthly],
                    "started": [r["started"] for r in result.monthly],
                    "producing": [r["producing"] for r in result.monthly],
                    "funds": [float(r["funds_wan"]) for r in result.monthly]},
    }

