"""Enterprises (招商对象): list, recycle bin, detail, new, edit, delete, restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import select

from crm.db import get_session
from crm.enterprises.forms import EnterpriseForm
from crm.models import Project
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.queries import EnterpriseFilters
from crm.services import enterprises as service
from crm.services import followups as followup_service
from crm.services import history as history_service
from crm.services import permissions
from crm.services.errors import ValidationFailed, VersionConflict
from crm.views_common import (
    all_users,
    apply_errors,
    choices,
    filter_options,
    light_of,
    names_by_id,
    page_of,
    reference_lists,
    render_conflict,
    user_choices,
)

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")


@bp.route("")
@login_required
def index():
    session = get_session()
    filters = EnterpriseFilters.from_args(request.args)
    page = page_of(session, filters)
    users = all_users(session)
    opts = filter_options(session, users)
    return render_template(
        "enterprises/list.html", filters=filters, args=filters.to_args(), page=page,
        users=users, opts=opts, can_edit=permissions.can_edit_enterprise(current_user),
        description=filters.describe(opts["division_names"]))


@bp.route("/<int:enterprise_id>")
@login_required
def detail(enterprise_id: int):
    session = get_session()
    enterprise = service.get_enterprise(session, enterprise_id, include_deleted=True)
    projects = list(session.exec(select(Project).where(
        Project.enterprise_id == enterprise.id, Project.deleted_at.is_(None))
        .order_by(Project.updated_at.desc())))
    timeline = followup_service.timeline(session, enterprise_id=enterprise.id)
    users = all_users(session)
    refs = reference_lists(session)
    return render_template(
        "enterprises/detail.html", e=enterprise, projects=projects,
        lights={p.id: light_of(p) for p in projects},
        contacts=service.contacts_of(session, enterprise.id), timeline=timeline,
        timeline_project_names=names_by_id(session, Project, [f.project_id for f in timeline]),
        history=history_service.history(session, "enterprise", enterprise.id),
        users=users, division_names=refs["division_names"],
        can_edit=permissions.can_edit_enterprise(current_user),
        can_add_project=permissions.can_create_project(current_user),
        can_write=permissions.can_write_anything(current_user))


def _form(session, enterprise=None, contacts=None) -> EnterpriseForm:
    if request.method == "POST":
        form = EnterpriseForm()
    elif enterprise is not None:
        form = EnterpriseForm(obj=enterprise, contacts=[
            {"name": c.name, "title": c.title, "phone": c.phone, "email": c.email}
            for c in contacts or []])
        revenue = enterprise.revenue_wan
        form.revenue_wan.data = "" if revenue is None else str(revenue)
        form.priority.data = str(enterprise.priority)
        form.owner_id.data = str(enterprise.owner_id or "")
        form.chain_segment.data = enterprise.chain_segment or ""
    else:
        form = EnterpriseForm(owner_id=str(current_user.id))
    refs = reference_lists(session)
    form.chain_segment.choices = choices(refs["segments"], lambda s: s.name,
                                         lambda s: ("　" if s.parent else "") + s.name)
    form.owner_id.choices = user_choices(all_users(session))
    while len(form.contacts) < 3:
        form.contacts.append_entry()
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    session = get_session()
    permissions.require(permissions.can_edit_enterprise(current_user), "您没有新建企业的权限。")
    form = _form(session)
    if form.validate_on_submit():
        try:
            enterprise = service.create_enterprise(session=session, data=form.service_data(),
                                                   user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            apply_errors(form, exc)
            return render_template("enterprises/form.html", form=form, e=None), 422
        flash(f"已新建企业“{enterprise.name}”。", "success")
        return redirect(url_for(".detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, e=None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: int):
    session = get_session()
    enterprise = service.get_enterprise(session, enterprise_id)
    permissions.require(permissions.can_edit_enterprise(current_user), "您没有修改企业的权限。")
    form = _form(session, enterprise, service.contacts_of(session, enterprise.id))
    if form.validate_on_submit():
        try:
            service.update_enterprise(session=session, enterprise=enterprise,
                                      data=form.service_data(), user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            apply_errors(form, exc)
            return render_template("enterprises/form.html", form=form, e=enterprise), 422
        except VersionConflict as exc:
            session.rollback()
            return render_conflict(
                "enterprises/form.html", exc, ENTERPRISE_LABELS,
                history_service.Display(session, "enterprise"),
                reload_url=url_for(".edit", enterprise_id=enterprise.id), form=form,
                e=enterprise)
        flash("已保存。", "success")
        return redirect(url_for(".detail", enterprise_id=enterprise.id))
    return render_template("enterprises/form.html", form=form, e=enterprise)


@bp.route("/<int:enterprise_id>/delete", methods=["POST"])
@login_required
def delete(enterprise_id: int):
    session = get_session()
    enterprise = service.get_enterprise(session, enterprise_id)
    service.delete_enterprise(session=session, enterprise=enterprise, user=current_user)
    flash(f"已将企业“{enterprise.name}”移入回收站。", "warning")
    return redirect(url_for(".index"))


@bp.route("/<int:enterprise_id>/restore", methods=["POST"])
@login_required
def restore(enterprise_id: int):
    session = get_session()
    enterprise = service.get_enterprise(session, enterprise_id, include_deleted=True)
    if enterprise.deleted_at is not None:
        service.restore_enterprise(session=session, enterprise=enterprise, user=current_user)
        flash(f"已恢复企业“{enterprise.name}”。", "success")
    return redirect(url_for(".detail", enterprise_id=enterprise.id))
