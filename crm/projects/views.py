"""Projects (招商项目): the generic record pages (crm.generic), with what is the
project's own: the kanban board, stage moves, 一事一议 case status, its detail
page's forms and the form's pre-fill from an enterprise."""

from __future__ import annotations

from dataclasses import replace

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm import rules
from crm.db import get_session
from crm.generic import RecordViews, blueprint
from crm.models import Enterprise, Park, Project
from crm.projects.forms import CaseForm, ProjectForm, StageForm
from crm.queries import ProjectFilters, list_page
from crm.queries import lookup as lookup_queries
from crm.records.projects import PROJECTS
from crm.services import followups as followup_service
from crm.services import history as history_service
from crm.services import permissions, reference
from crm.services import projects as service
from crm.services.errors import ValidationFailed, VersionConflict
from crm.views_common import (
    all_users,
    apply_errors,
    back,
    card_context,
    choices,
    county_choices,
    filter_options,
    light_of,
    names_by_id,
    park_choices,
    picked_id,
    reference_lists,
    show_picked,
    user_choices,
)


class ProjectViews(RecordViews):
    obj_name = "p"

    def list_context(self, session, page, users) -> dict:
        me = current_user._get_current_object()  # the proxy resolves on every use
        return {"editable": {p.id for p in page.items if permissions.can_edit_project(me, p)}
                } | card_context(session, page.items, me)

    def detail_context(self, session, project) -> dict:
        return _detail_context(session, project)

    def make_form(self, session, project=None) -> ProjectForm:
        return _form(session, project)

    def form_data(self, form, *, creating: bool) -> dict:
        data = form.service_data(creating=creating)
        data["enterprise_id"] = picked_id(get_session(), form.enterprise_id,
                                          lookup_queries.resolve_enterprise)
        return data

    def form_context(self, session, project) -> dict:
        return {"zhejiang": [d.name for d in reference.zhejiang_cities(session)],
                "line": service.case_by_case_line_wan(session)}

    def deleted(self, project) -> str:
        flash(f"已将项目“{project.name}”及其跟进记录移入回收站。", "warning")
        return url_for(".index")


bp = blueprint(PROJECTS, ProjectViews(PROJECTS))

BOARD_STAGES = [*rules.PIPELINE, "paused", "dropped"]
BOARD_CARDS_PER_STAGE = 60


def allowed_targets(project: Project) -> list[tuple[str, str]]:
    """The stages a project may move to next, in pipeline order."""
    allowed = rules.STAGE_TRANSITIONS.get(project.stage, set())
    return [(s, rules.STAGES[s]) for s in rules.STAGES if s in allowed]


def _list_context(session, projects):
    """Names for a page of projects: one query per related table, never one per row."""
    users = all_users(session)
    me = current_user._get_current_object()  # the proxy resolves on every use
    return {
        "enterprise_names": names_by_id(session, Enterprise,
                                        [p.enterprise_id for p in projects]),
        "users": users,
        "lights": {p.id: light_of(p) for p in projects},
        "editable": {p.id for p in projects if permissions.can_edit_project(me, p)},
    } | card_context(session, projects, me)


@bp.route("/board")
@login_required
def board():
    session = get_session()
    filters = replace(ProjectFilters.from_args(request.args), stage=None, deleted=False, page=1)
    columns = {}
    totals = {}
    for stage in BOARD_STAGES:
        stage_filters = replace(filters, stage=stage)
        page = list_page(session, stage_filters, per_page=BOARD_CARDS_PER_STAGE)
        columns[stage] = page.items
        totals[stage] = page.total
    cards = [p for items in columns.values() for p in items]
    context = _list_context(session, cards)
    opts = filter_options(session, context["users"])
    return render_template(
        "projects/board.html", filters=filters, args=filters.to_args(), columns=columns,
        totals=totals, opts=opts, targets={p.id: allowed_targets(p) for p in cards},
        limit=BOARD_CARDS_PER_STAGE, **context)


def _detail_context(session, project: Project, stage_form=None, case_form=None) -> dict:
    users = all_users(session)
    enterprise = session.get(Enterprise, project.enterprise_id) if project.enterprise_id else None
    names = reference.division_names(session)
    park = session.get(Park, project.park_id) if project.park_id else None
    if stage_form is None:
        stage_form = StageForm(formdata=None, version=project.version)
    stage_form.to_stage.choices = {"": "请选择"} | dict(allowed_targets(project))
    if case_form is None:
        case_form = CaseForm(formdata=None, status=project.case_status or "pending",
                             notes=project.case_notes)
    current = project.case_status or "pending"
    case_form.status.choices = {s: rules.CASE_STATUSES[s] for s in rules.CASE_STATUSES
                                if s == current or s in rules.CASE_STATUS_TRANSITIONS[current]}
    return {
        "p": project, "enterprise": enterprise, "users": users, "division_names": names,
        "park": park, "light": light_of(project),
        "location_warning": service.location_warning(project),
        "timeline": followup_service.timeline(session, project_id=project.id),
        "stages": service.stage_history(session, project.id),
        "history": history_service.history(session, "project", project.id),
        "stage_form": stage_form, "case_form": case_form,
        "can_edit": permissions.can_edit_project(current_user, project),
        "can_follow": permissions.can_edit_followup(current_user, None, project),
    }


def _form(session, project: Project | None = None) -> ProjectForm:
    if request.method == "POST":
        form = ProjectForm()
    elif project is not None:
        form = ProjectForm(obj=project)
        for name in ("enterprise_id", "park_id", "owner_id"):
            value = getattr(project, name)
            getattr(form, name).data = "" if value is None else str(value)
        for name in ("planned_investment_wan", "actual_investment_wan", "lon", "lat"):
            value = getattr(project, name)
            getattr(form, name).data = "" if value is None else str(value)
    else:
        defaults = {"owner_id": str(current_user.id)}
        if request.args.get("enterprise_id", "").isdigit():
            ent = session.get(Enterprise, int(request.args["enterprise_id"]))
            if ent is not None and ent.deleted_at is None:
                defaults |= {"enterprise_id": str(ent.id), "chain_segment": ent.chain_segment,
                             "source_province": ent.province, "source_city": ent.city}
        if permissions.home_city(current_user):
            defaults["city_code"] = permissions.home_city(current_user)
        form = ProjectForm(**defaults)
    refs = reference_lists(session)
    names = refs["division_names"]
    show_picked(session, form.enterprise_id, Enterprise)
    cities, parks = refs["prefectures"], park_choices(session, names)
    home = permissions.home_city(current_user) if project is None else None
    if home:  # a city official creates projects in their own city only
        cities = [c for c in cities if c.code == home]
        parks = {k: v for k, v in parks.items() if k in ("", names.get(home))}
    form.city_code.choices = choices(cities, empty=None if home else "—")
    form.county_code.choices = county_choices(session, cities)
    form.park_id.choices = parks
    form.chain_segment.choices = choices(refs["segments"], lambda s: s.name,
                                         lambda s: ("　" if s.parent else "") + s.name)
    form.owner_id.choices = user_choices(all_users(session))
    return form


@bp.route("/<int:project_id>/stage", methods=["POST"])
@login_required
def move_stage(project_id: int):
    session = get_session()
    project = service.get_project(session, project_id)
    form = StageForm()
    from_board = request.form.get("next") == "board"
    fallback = url_for(".board") if from_board else url_for(".detail", project_id=project.id)
    if not form.validate_on_submit():
        flash("请求已过期，请重试。", "danger")
        return redirect(back(fallback))
    target = form.to_stage.data or ""
    try:
        service.move_stage(session=session, project=project, to_stage=target,
                           reason=form.reason.data or "", user=current_user,
                           version=int(form.version.data) if form.version.data else None)
    except ValidationFailed as exc:
        session.rollback()
        if from_board:
            flash(f"“{project.name}”：" + "；".join(exc.fields.values()), "danger")
            return redirect(url_for(".board"))
        if "stage" in exc.fields and not target:
            exc.fields["stage"] = "阶段：请选择目标阶段"
        apply_errors(form, exc, {"stage": "to_stage", "stage_reason": "reason"})
        session.refresh(project)
        return render_template("projects/detail.html",
                               **_detail_context(session, project, stage_form=form)), 422
    except VersionConflict as exc:
        session.rollback()
        session.refresh(project)
        conflict = {
            "rows": [{"field": "stage", "label": "阶段", "differs": True,
                      "stored": rules.label(rules.STAGES, exc.current.stage),
                      "submitted": rules.label(rules.STAGES, target)}],
            "reload_url": url_for(".detail", project_id=project.id),
            "version": exc.current.version,
        }
        return render_template("projects/detail.html", conflict=conflict,
                               **_detail_context(session, project)), 409
    flash(f"“{project.name}”已变更为“{rules.label(rules.STAGES, project.stage)}”。", "success")
    return redirect(back(fallback) if not from_board else fallback)


@bp.route("/<int:project_id>/case", methods=["POST"])
@login_required
def case(project_id: int):
    session = get_session()
    project = service.get_project(session, project_id)
    form = CaseForm()
    fallback = url_for(".detail", project_id=project.id)
    if form.validate_on_submit():
        try:
            service.set_case_status(session=session, project=project, status=form.status.data,
                                    notes=form.notes.data, user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            flash("；".join(exc.fields.values()), "danger")
        except VersionConflict as exc:  # another save came first: show it, keep nothing
            session.rollback()
            flash(str(exc), "danger")
        else:
            flash(f"已更新“{project.name}”的一事一议状态："
                  f"{rules.label(rules.CASE_STATUSES, project.case_status)}。", "success")
    return redirect(back(fallback))


@bp.route("/lookup")
@login_required
def lookup():
    """The picker's matches for ?q= as JSON; a city official's are the projects of
    their city, the ones they can add follow-ups to."""
    found = lookup_queries.projects(get_session(), request.args.get("q", ""),
                                    city_code=permissions.home_city(current_user))
    return jsonify({"items": [m.as_json() for m in found]})
