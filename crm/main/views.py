"""Home page and the cross-cutting pages (一事一议 docket, 吉浙)."""

from dataclasses import replace

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required
from sqlmodel import func, select

from crm import clock, rules
from crm.db import get_session
from crm.models import Project
from crm.queries import DocketFilters
from crm.records import projects as projects_record
from crm.records.columns import page_columns
from crm.records.projects import DOCKET_COLUMNS
from crm.services import dashboard, permissions
from crm.services import jizhe as jizhe_service
from crm.services import projects as project_service
from crm.services.exporting import Names
from crm.views_common import (
    all_users,
    card_context,
    filter_options,
    names_by_id,
    page_of,
)

bp = Blueprint("main", __name__)


@bp.app_context_processor
def _today():
    return {"today": clock.today()}


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their first visit, before any login."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600)


@bp.route("/")
@login_required
def index():
    session = get_session()
    city = permissions.home_city(current_user)
    overdue = dashboard.my_overdue_followups(session, current_user, clock.today())
    return render_template(
        "main/index.html",
        stages=dashboard.stage_counts(session, city),
        overdue=overdue,
        overdue_project_names=names_by_id(session, Project, [f.project_id for f in overdue]),
        cases=dashboard.pending_cases(session),
        jizhe=dashboard.jizhe_totals(session),
        line=project_service.case_by_case_line_wan(session),
        city=city,
    )


@bp.route("/case-by-case")
@login_required
def docket():
    """一事一议 docket: every project at or above the line, with its case status."""
    session = get_session()
    filters = replace(DocketFilters.from_args(request.args), case_by_case=True)
    page = page_of(session, filters)  # case_status is a filter: the export applies it too
    users = all_users(session)
    opts = filter_options(session, users)
    args = filters.to_args()
    args.pop("case_by_case", None)
    status = filters.case_status
    return render_template(
        "main/docket.html", filters=filters, args=args, status=status, page=page, opts=opts,
        columns=page_columns(DOCKET_COLUMNS), users=users,
        rows=list(projects_record.rows(session, page.items, Names(  # as exported
            session, divisions=opts["division_names"], users=users))),
        editable={p.id for p in page.items if permissions.can_edit_project(current_user, p)},
        line=project_service.case_by_case_line_wan(session),
        counts=_case_counts(session),
        **card_context(session, page.items, current_user._get_current_object()))


def _case_counts(session) -> dict[str, int]:
    stmt = select(Project.case_status, func.count()).where(
        Project.deleted_at.is_(None), Project.case_by_case.is_(True)).group_by(
        Project.case_status)
    counts = dict(session.exec(stmt).all())
    return {s: counts.get(s, 0) for s in rules.CASE_STATUSES}


@bp.route("/jizhe")
@login_required
def jizhe():
    """吉浙: leads by Zhejiang city × Jilin city, beside the pairing table."""
    session = get_session()
    return render_template(
        "main/jizhe.html", matrix=jizhe_service.matrix(session),
        pairings=jizhe_service.pairings(session), totals=dashboard.jizhe_totals(session),
        opts=filter_options(session))
