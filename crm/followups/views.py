"""Follow-ups (跟进记录): the generic record pages (crm.generic), with what is the
follow-up's own: who may restore its rows, the form's pre-fill from a project
or enterprise, and where a save returns to."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user

from crm import clock
from crm.db import get_session
from crm.followups.forms import FollowUpForm
from crm.generic import RecordViews, blueprint
from crm.models import Enterprise, FollowUp, Project
from crm.queries import lookup
from crm.records.followups import FOLLOWUPS, project_of
from crm.services import history as history_service
from crm.services import permissions
from crm.views_common import all_users, by_id, names_by_id, picked_id, show_picked


class FollowUpViews(RecordViews):
    obj_name = "f"

    def list_context(self, session, page, users) -> dict:
        projects = by_id(session, Project, [f.project_id for f in page.items])
        me = self.user()
        return {
            "editable": {f.id for f in page.items if permissions.can_edit_followup(
                me, f, projects.get(f.project_id))},
            # the phone cards (templates/_cards.html) show the project or the enterprise
            "projects": projects,
            "enterprise_names": names_by_id(session, Enterprise,
                                            [f.enterprise_id for f in page.items]),
        }

    def detail_context(self, session, followup) -> dict:
        project = project_of(session, followup)
        enterprise = session.get(Enterprise, followup.enterprise_id) \
            if followup.enterprise_id else None
        return {
            "project": project, "enterprise": enterprise, "users": all_users(session),
            "history": history_service.history(session, "followup", followup.id),
            "can_edit": permissions.can_edit_followup(current_user, followup, project),
        }

    def make_form(self, session, followup: FollowUp | None = None) -> FollowUpForm:
        if request.method == "POST":
            form = FollowUpForm()
        elif followup is not None:
            form = FollowUpForm(obj=followup)
            form.project_id.data = str(followup.project_id or "")
            form.enterprise_id.data = str(followup.enterprise_id or "")
            form.date.data = followup.date.isoformat()
            form.next_due.data = followup.next_due.isoformat() if followup.next_due else ""
        else:
            form = FollowUpForm(**self._defaults(session))
        show_picked(session, form.project_id, Project)
        show_picked(session, form.enterprise_id, Enterprise)
        return form

    @staticmethod
    def _defaults(session) -> dict:
        """A new follow-up of the project or enterprise it was started from."""
        defaults = {"date": clock.today().isoformat()}
        for name in ("project_id", "enterprise_id"):
            if request.args.get(name, "").isdigit():
                defaults[name] = request.args[name]
        if "project_id" in defaults:
            project = session.get(Project, int(defaults["project_id"]))
            if project is not None and project.enterprise_id:
                defaults.setdefault("enterprise_id", str(project.enterprise_id))
        return defaults

    def form_data(self, form, *, creating: bool) -> dict:
        session, home = get_session(), permissions.home_city(current_user)
        data = form.service_data(creating=creating)
        data["project_id"] = picked_id(session, form.project_id, lambda s, text: (
            lookup.resolve_project(s, text, city_code=home)))
        data["enterprise_id"] = picked_id(session, form.enterprise_id,
                                          lookup.resolve_enterprise)
        return data

    def conflict_labels(self) -> dict:
        return self.rt.labels | {"done": "已完成"}

    def created(self, followup) -> str:
        flash("已添加跟进记录。", "success")
        return _after_save(followup)

    def deleted(self, followup) -> str:
        flash("已将跟进记录移入回收站。", "warning")
        if followup.project_id or followup.enterprise_id:
            return _after_save(followup)
        return url_for(".index")

    def restored(self, followup) -> None:
        flash("已恢复跟进记录。", "success")


def _after_save(followup: FollowUp) -> str:
    if followup.project_id:
        return url_for("projects.detail", project_id=followup.project_id)
    return url_for("enterprises.detail", enterprise_id=followup.enterprise_id)


bp = blueprint(FOLLOWUPS, FollowUpViews(FOLLOWUPS))
