"""Follow-ups (跟进记录): the record type's declaration."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from crm import rules
from crm.models import FollowUp, FollowUpCreate, FollowUpPublic, FollowUpUpdate, Project
from crm.models.followup import FOLLOWUP_LABELS
from crm.queries import FollowUpFilters
from crm.records.base import RecordType, record_as
from crm.records.columns import ListColumn as C
from crm.services import followups, permissions
from crm.services.exporting import Names
from crm.tabular.fields import FOLLOWUP_FIELDS

VOCABULARIES = {"kind": rules.FOLLOWUP_KINDS}

# The export's columns; the page shows those not marked page=False (see crm.records.columns)
COLUMNS = [
    C("date", "跟进日期", "date", short="日期", sort="date", cell="date_link"),
    C("project", "项目", cell="project_link"),
    C("enterprise", "企业", cell="enterprise_link"),
    C("city", "落地市（州）", page=False),
    C("kind", "跟进方式", short="方式"),
    C("participants", "参与人员", page=False),
    C("summary", "跟进内容", limit=60),
    C("next_step", "下一步工作", short="下一步", limit=30),
    C("next_due", "下一步截止日期", "date", short="下一步截止", sort="next_due", cell="due"),
    C("done", "已完成", "bool", page=False),
    C("user", "记录人"),
]


def rows(session: Session, batch: list[FollowUp], names: Names) -> Iterator[dict]:
    projects = names.projects(f.project_id for f in batch)
    enterprise_ids = {f.enterprise_id for f in batch}
    enterprise_ids |= {projects[f.project_id][1] for f in batch if f.project_id in projects}
    enterprises = names.enterprises(enterprise_ids)
    for f in batch:
        project = projects.get(f.project_id)
        ent_id = f.enterprise_id or (project[1] if project else None)
        yield {
            **f.model_dump(),
            "project": project[0] if project else None,
            "enterprise_id": ent_id,  # the page links the name
            "enterprise": enterprises.get(ent_id, (None,))[0],
            "city": names.divisions.get(project[2]) if project else None,
            "kind": rules.label(rules.FOLLOWUP_KINDS, f.kind),
            "user": names.users.get(f.user_id),
        }


def project_of(session: Session, followup: FollowUp) -> Project | None:
    return session.get(Project, followup.project_id) if followup.project_id else None


FOLLOWUPS = RecordType(
    name="followups", label="跟进记录", model=FollowUp,
    create_schema=FollowUpCreate, update_schema=FollowUpUpdate, public_schema=FollowUpPublic,
    labels=FOLLOWUP_LABELS, vocabularies=VOCABULARIES, filters=FollowUpFilters,
    columns=COLUMNS, rows=rows, list_title="跟进记录", id_arg="followup_id",
    import_fields=FOLLOWUP_FIELDS,
    get=followups.get_followup,
    create=followups.create_followup,
    update=record_as(followups.update_followup, "followup"),
    delete=record_as(followups.delete_followup, "followup"),
    restore=record_as(followups.restore_followup, "followup"),
    can_create=permissions.can_write_anything,
    can_edit=lambda session, user, obj: permissions.can_edit_followup(
        user, obj, project_of(session, obj)),
    templates={"list": "followups/list.html", "detail": "followups/detail.html",
               "form": "followups/form.html"},
    create_denied="您没有记录跟进的权限。",
    edit_denied="您只能修改落地在本市（州）的项目的跟进。",
)
