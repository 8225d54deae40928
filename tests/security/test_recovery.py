"""Soft delete and restore (with follow-ups), the 回收站 page, and version conflicts."""

from __future__ import annotations

import pytest

from crm.db import session_scope
from crm.models import FollowUp, Project, User
from crm.services import followups, projects
from crm.services.errors import Forbidden, VersionConflict
from tests.security.conftest import new_records, token_for


def test_project_delete_and_restore_takes_its_followups(app, world):
    r = world.records
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        project = s.get(Project, r["home_project_id"])
        extra = followups.create_followup(session=s, data={
            "project_id": project.id, "kind": "visit", "date": "2024-02-01",
            "summary": "第二次拜访"}, user=staff)
        # One follow-up deleted on its own before: it stays deleted after the restore.
        alone = followups.create_followup(session=s, data={
            "project_id": project.id, "kind": "call", "date": "2024-02-02",
            "summary": "单独删除"}, user=staff)
        followups.delete_followup(session=s, followup=alone, user=staff)
        projects.delete_project(session=s, project=project, user=staff)
        assert project.deleted_at is not None
        assert s.get(FollowUp, extra.id).deleted_at == project.deleted_at
        assert s.get(FollowUp, r["home_followup_id"]).deleted_at is not None
        ids = (extra.id, alone.id)
    c = app.test_client()
    from tests.conftest import login

    login(c, world.users["staff"].username)
    page = c.get("/admin/trash").get_data(as_text=True)
    assert "home项目" in page and f"/projects/{r['home_project_id']}/restore" in page
    assert "随项目" in page  # follow-ups deleted with the project are restored with it
    assert c.post(f"/projects/{r['home_project_id']}/restore").status_code in (302, 303)
    with app.app_context(), session_scope() as s:
        assert s.get(Project, r["home_project_id"]).deleted_at is None
        assert s.get(FollowUp, r["home_followup_id"]).deleted_at is None
        assert s.get(FollowUp, ids[0]).deleted_at is None
        assert s.get(FollowUp, ids[1]).deleted_at is not None
    assert c.get(f"/projects/{r['home_project_id']}").status_code == 200


def test_city_user_cannot_delete_or_restore_another_citys_project(app, world):
    with app.app_context(), session_scope() as s:
        city = s.get(User, world.users["city"].id)
        other = s.get(Project, world.records["other_project_id"])
        with pytest.raises(Forbidden):
            projects.delete_project(session=s, project=other, user=city)
        s.rollback()
        own = s.get(Project, world.records["home_project_id"])
        projects.delete_project(session=s, project=own, user=city)
        projects.restore_project(session=s, project=own, user=city)
        assert own.deleted_at is None


def test_service_refuses_a_stale_version(app, world):
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        project = s.get(Project, world.records["home_project_id"])
        seen = project.version
        projects.update_project(session=s, project=project, user=staff,
                                data={"notes": "甲的修改", "version": seen})
        with pytest.raises(VersionConflict) as exc:
            projects.update_project(session=s, project=project, user=staff,
                                    data={"notes": "乙的修改", "version": seen})
        assert exc.value.current.notes == "甲的修改"
        assert exc.value.submitted["notes"] == "乙的修改"
        s.rollback()
        assert s.get(Project, project.id).notes == "甲的修改"  # never silently overwritten


def test_api_patch_with_stale_version_gets_409(app, world):
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(app, world.users['staff'].id)}"}
    pid = world.records["home_project_id"]
    version = api.get(f"/api/v1/projects/{pid}", headers=headers).get_json()["version"]
    first = api.patch(f"/api/v1/projects/{pid}", headers=headers,
                      json={"notes": "甲", "version": version})
    assert first.status_code == 200
    second = api.patch(f"/api/v1/projects/{pid}", headers=headers,
                       json={"notes": "乙", "version": version})
    assert second.status_code == 409
    assert "error" in second.get_json()
    assert api.get(f"/api/v1/projects/{pid}", headers=headers).get_json()["notes"] == "甲"


def test_web_edit_with_stale_version_shows_a_conflict(app, world):
    from tests.conftest import login

    c = app.test_client()
    login(c, world.users["staff"].username)
    pid = world.records["home_project_id"]
    with app.app_context(), session_scope() as s:
        project = s.get(Project, pid)
        stale = project.version
        admin = s.get(User, world.users["admin"].id)
        projects.update_project(session=s, project=project, user=admin,
                                data={"notes": "他人先保存"})
    r = c.post(f"/projects/{pid}/edit", data={"name": "home项目", "city_code": "220100",
                                              "notes": "我的修改", "version": stale})
    assert r.status_code == 409
    with app.app_context(), session_scope() as s:
        assert s.get(Project, pid).notes == "他人先保存"


def test_many_records_round_trip_via_trash(app, world):
    more = new_records(app, world.users["staff"].id, tag="-2")
    assert more["home_project_id"] != world.records["home_project_id"]
