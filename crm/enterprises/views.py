"""Enterprises (招商对象): the generic record pages (crm.generic), with what is the
enterprise's own: its detail page's projects and timeline, and the form's
contacts and choices."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_login import current_user, login_required
from sqlmodel import select

from crm.db import get_session
from crm.enterprises.forms import EnterpriseForm
from crm.generic import RecordViews, blueprint
from crm.models import Project
from crm.queries import lookup as lookup_queries
from crm.records.enterprises import ENTERPRISES
from crm.services import duplicates as duplicate_service
from crm.services import enterprises as service
from crm.services import followups as followup_service
from crm.services import history as history_service
from crm.services import permissions
from crm.views_common import (
    all_users,
    choices,
    light_of,
    names_by_id,
    reference_lists,
    user_choices,
)


class EnterpriseViews(RecordViews):
    obj_name = "e"

    def list_context(self, session, page, users) -> dict:
        can_edit = permissions.can_edit_enterprise(current_user)
        return {"can_edit": can_edit, "editable": {e.id for e in page.items} if can_edit else set()}

    def detail_context(self, session, enterprise) -> dict:
        projects = list(session.exec(select(Project).where(
            Project.enterprise_id == enterprise.id, Project.deleted_at.is_(None))
            .order_by(Project.updated_at.desc())))
        timeline = followup_service.timeline(session, enterprise_id=enterprise.id)
        refs = reference_lists(session)
        return {
            "projects": projects, "lights": {p.id: light_of(p) for p in projects},
            "contacts": service.contacts_of(session, enterprise.id), "timeline": timeline,
            "timeline_project_names": names_by_id(session, Project,
                                                  [f.project_id for f in timeline]),
            "history": history_service.history(session, "enterprise", enterprise.id),
            "users": all_users(session), "division_names": refs["division_names"],
            "can_edit": permissions.can_edit_enterprise(current_user),
            "can_add_project": permissions.can_create_project(current_user),
            "can_write": permissions.can_write_anything(current_user),
        }

    def make_form(self, session, enterprise=None) -> EnterpriseForm:
        if request.method == "POST":
            form = EnterpriseForm()
        elif enterprise is not None:
            form = EnterpriseForm(obj=enterprise, contacts=[
                {"name": c.name, "title": c.title, "phone": c.phone, "email": c.email}
                for c in service.contacts_of(session, enterprise.id)])
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

    def form_data(self, form, *, creating: bool) -> dict:
        return form.service_data()


bp = blueprint(ENTERPRISES, EnterpriseViews(ENTERPRISES))

DUPLICATES_PER_PAGE = 50


@bp.route("/duplicates")
@login_required
def duplicates():
    """查重: suspected duplicate pairs across the registry, best first, each with a
    merge link (the merge page preselected with the pair). Staff and admin: they merge."""
    permissions.require(permissions.can_edit_enterprise(current_user), "您没有合并企业的权限。")
    page = max(request.args.get("page", 1, type=int), 1)
    pairs, total = duplicate_service.pairs(get_session(), page=page,
                                           per_page=DUPLICATES_PER_PAGE)
    pages = max((total + DUPLICATES_PER_PAGE - 1) // DUPLICATES_PER_PAGE, 1)
    pager = {"page": min(page, pages), "pages": pages, "total": total, "capped": False}
    return render_template("enterprises/duplicates.html", pairs=pairs, pager=pager,
                           keep_first=keep_first)


def keep_first(pair) -> tuple:
    """(keep, drop) as offered: the record with a credit code, else the older one."""
    a, b = pair.a, pair.b
    if bool(b.credit_code) > bool(a.credit_code) or (
            bool(b.credit_code) == bool(a.credit_code) and b.id < a.id):
        a, b = b, a
    return a, b

@bp.route("/lookup")
@login_required
def lookup():
    """The picker's matches for ?q= as JSON (every signed-in user reads the list)."""
    found = lookup_queries.enterprises(get_session(), request.args.get("q", ""))
    return jsonify({"items": [m.as_json() for m in found]})
