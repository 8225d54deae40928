"""Follow-ups (跟进记录): list, recycle bin, detail, new, edit, delete, restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import select

from crm import clock
from crm.db import get_session
from crm.followups.forms import FollowUpForm
from crm.models import Enterprise, FollowUp, Project
from crm.models.followup import FOLLOWUP_LABELS
from crm.services import followups as service
from crm.services import history as history_service
from crm.services import permissions
from crm.services.errors import ValidationFailed, VersionConflict
from crm.services.filters import FollowUpFilters
from crm.views_common import (
    all_users,
    apply_errors,
    by_id,
    enterprise_choices,
    filter_options,
    names_by_id,
    page_of,
    render_conflict,
)

bp = Blueprint("followups", __name__, url_prefix="/followups")


@bp.route("")
@login_required
def index():
    session = get_session()
    filters = FollowUpFilters.from_args(request.args)
    page = page_of(session, filters, filters.select(today=clock.today()), capped=True)
    projects = by_id(session, Project, [f.project_id for f in page.items])
    enterprise_names = names_by_id(session, Enterprise, [f.enterprise_id for f in page.items])
    users = all_users(session)
    opts = filter_options(session, users)
    me = current_user._get_current_object()  # the proxy resolves on every use
    editable = {f.id for f in page.items if permissions.can_edit_followup(
        me, f, projects.get(f.project_id))}
    return render_template(
        "followups/list.html", filters=filters, args=filters.to_args(), page=page, opts=opts,
        projects=projects, enterprise_names=enterprise_names, users=users, editable=editable,
        description=filters.describe(opts["division_names"]),
        can_create=permissions.can_write_anything(current_user))


def _project_of(session, followup: FollowUp) -> Project | None:
    return session.get(Project, followup.project_id) if followup.project_id else None


@bp.route("/<int:followup_id>")
@login_required
def detail(followup_id: int):
    session = get_session()
    followup = service.get_followup(session, followup_id, include_deleted=True)
    project = _project_of(session, followup)
    enterprise = session.get(Enterprise, followup.enterprise_id) if followup.enterprise_id \
        else None
    return render_template(
        "followups/detail.html", f=followup, project=project, enterprise=enterprise,
        users=all_users(session),
        history=history_service.history(session, "followup", followup.id),
        can_edit=permissions.can_edit_followup(current_user, followup, project))


def _project_choices(session, current_id: int | None = None):
    stmt = select(Project.id, Project.name).where(Project.deleted_at.is_(None))
    if permissions.home_city(current_user):
        stmt = stmt.where(Project.city_code == permissions.home_city(current_user))
    rows = list(session.exec(stmt.order_by(Project.name)))
    if current_id and current_id not in {r[0] for r in rows}:
        project = session.get(Project, current_id)
        if project is not None:
            rows.append((project.id, project.name))
    return {"": "—"} | {str(i): n for i, n in rows}


def _form(session, followup: FollowUp | None = None) -> FollowUpForm:
    if request.method == "POST":
        form = FollowUpForm()
    elif followup is not None:
        form = FollowUpForm(obj=followup)
        form.project_id.data = str(followup.project_id or "")
        form.enterprise_id.data = str(followup.enterprise_id or "")
        form.date.data = followup.date.isoformat()
        form.next_due.data = followup.next_due.isoformat() if followup.next_due else ""
    else:
        defaults = {"date": clock.today().isoformat()}
        for name in ("project_id", "enterprise_id"):
            if request.args.get(name, "").isdigit():
                defaults[name] = request.args[name]
        if "project_id" in defaults:
            project = session.get(Project, int(defaults["project_id"]))
            if project is not None and project.enterprise_id:
                defaults.setdefault("enterprise_id", str(project.enterprise_id))
        form = FollowUpForm(**defaults)
    current_project = followup.project_id if followup else None
    current_ent = followup.enterprise_id if followup else None
    form.project_id.choices = _project_choices(session, current_project)
    form.enterprise_id.choices = enterprise_choices(session, current_ent)
    return form


def _after_save(followup: FollowUp) -> str:
    if followup.project_id:
        return url_for("projects.detail", project_id=followup.project_id)
    return url_for("enterprises.detail", enterprise_id=followup.enterprise_id)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    session = get_session()
    permissions.require(permissions.can_write_anything(current_user), "您没有记录跟进的权限。")
    form = _form(session)
    if form.validate_on_submit():
        try:
            followup = service.create_followup(session=session,
                                               data=form.service_data(creating=True),
                                               user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            apply_errors(form, exc)
            return render_template("followups/form.html", form=form, f=None), 422
        flash("已添加跟进记录。", "success")
        return redirect(_after_save(followup))
    return render_template("followups/form.html", form=form, f=None)


@bp.route("/<int:followup_id>/edit", methods=["GET", "POST"])
@login_required
def edit(followup_id: int):
    session = get_session()
    followup = service.get_followup(session, followup_id)
    permissions.require(permissions.can_edit_followup(
        current_user, followup, _project_of(session, followup)),
        "您只能修改落地在本市（州）的项目的跟进。")
    form = _form(session, followup)
    if form.validate_on_submit():
        try:
            service.update_followup(session=session, followup=followup,
                                    data=form.service_data(creating=False), user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            apply_errors(form, exc)
            return render_template("followups/form.html", form=form, f=followup), 422
        except VersionConflict as exc:
            session.rollback()
            return render_conflict(
                "followups/form.html", exc, FOLLOWUP_LABELS | {"done": "已完成"},
                history_service.Display(session, "followup"),
                reload_url=url_for(".edit", followup_id=followup.id), form=form, f=followup)
        flash("已保存。", "success")
        return redirect(url_for(".detail", followup_id=followup.id))
    return render_template("followups/form.html", form=form, f=followup)


@bp.route("/<int:followup_id>/delete", methods=["POST"])
@login_required
def delete(followup_id: int):
    session = get_session()
    followup = service.get_followup(session, followup_id)
    service.delete_followup(session=session, followup=followup, user=current_user)
    flash("已将跟进记录移入回收站。", "warning")
    return redirect(_after_save(followup) if followup.project_id or followup.enterprise_id
                    else url_for(".index"))


@bp.route("/<int:followup_id>/restore", methods=["POST"])
@login_required
def restore(followup_id: int):
    session = get_session()
    followup = service.get_followup(session, followup_id, include_deleted=True)
    if followup.deleted_at is not None:
        service.restore_followup(session=session, followup=followup, user=current_user)
        flash("已恢复跟进记录。", "success")
    return redirect(url_for(".detail", followup_id=followup.id))
