"""Project services against a real database: rules applied on every write."""

import time
from datetime import UTC
from decimal import Decimal

import pytest
from sqlmodel import select

from crm.models import AuditLog, FollowUp, StageChange
from crm.services import followups, history, projects, settings
from crm.services.errors import Forbidden, ValidationFailed, VersionConflict


def new_project(db, user, **kw):
    data = {"name": "测试项目", "city_code": "220100"} | kw
    return projects.create_project(session=db, data=data, user=user)


@pytest.mark.parametrize("amount, flagged", [
    ("99999.99", False), ("100000", True), ("100000.01", True)])
def test_case_by_case_on_create(db, staff, amount, flagged):
    p = new_project(db, staff, planned_investment_wan=amount)
    assert p.case_by_case is flagged
    assert p.case_status == ("pending" if flagged else None)


def test_case_by_case_clears_when_amount_falls_and_history_shows_both(db, staff):
    p = new_project(db, staff, planned_investment_wan="120000")
    assert p.case_by_case
    projects.update_project(session=db, project=p, data={"planned_investment_wan": "99999.99"},
                            user=staff)
    assert not p.case_by_case
    entries = db.exec(select(AuditLog).where(AuditLog.object_type == "project",
                                             AuditLog.object_id == p.id)
                      .order_by(AuditLog.id)).all()
    assert entries[0].changes["case_by_case"] == [None, True]
    assert entries[-1].changes["case_by_case"] == [True, False]
    assert entries[-1].changes["planned_investment_wan"] == [120000.0, 99999.99]


def test_case_by_case_cannot_be_set_by_hand(db, staff):
    p = new_project(db, staff, planned_investment_wan="10", case_by_case=True)
    assert not p.case_by_case
    projects.update_project(session=db, project=p, data={"case_by_case": True}, user=staff)
    assert not p.case_by_case


def test_changing_the_line_reflags(db, staff):
    small = new_project(db, staff, planned_investment_wan="60000")
    big = new_project(db, staff, planned_investment_wan="100000")
    changed = projects.set_case_by_case_line(session=db, line_wan="50000", user=staff)
    assert changed == 1
    db.refresh(small)
    assert small.case_by_case and big.case_by_case
    projects.set_case_by_case_line(session=db, line_wan="200,000", user=staff)
    db.refresh(small), db.refresh(big)
    assert not small.case_by_case and not big.case_by_case
    # new projects follow the line in force
    assert not new_project(db, staff, planned_investment_wan="150000").case_by_case
    # the settings store holds the value, and nothing more
    assert settings.get(db, "case_by_case_line_wan") == "200000"


def test_a_reflag_is_a_change_like_any_other(db, staff):
    small = new_project(db, staff, planned_investment_wan="60000")
    none = new_project(db, staff)  # no amount: never 一事一议
    before = {p.id: (p.version, p.updated_at) for p in (small, none)}
    time.sleep(0.01)
    projects.set_case_by_case_line(session=db, line_wan="50000", user=staff)
    db.refresh(small), db.refresh(none)
    assert (small.case_by_case, small.case_status) == (True, "pending")
    assert small.version == before[small.id][0] + 1
    assert _aware(small.updated_at) > _aware(before[small.id][1])
    assert (none.version, none.updated_at) == before[none.id]  # not moved: not touched
    last = db.exec(select(AuditLog).where(AuditLog.object_type == "project",
                                          AuditLog.object_id == small.id)
                   .order_by(AuditLog.id.desc())).first()
    assert last.action == "update" and last.summary == "一事一议标准调整后重新判定"
    assert last.changes == {"case_by_case": [False, True], "case_status": [None, "pending"]}
    # and the project's history page shows it, in words
    entry = history.history(db, "project", small.id)[0]
    assert entry.summary == "一事一议标准调整后重新判定"
    assert entry.rows == [("一事一议", "否", "是"), ("一事一议状态", "—", "待提请")]


@pytest.mark.parametrize("value, message", [
    ("abc", "应为数字"), ("NaN", "应为数字"), ("Infinity", "应为数字"), ("0", "应大于0"),
    ("-5", "应大于0")])
def test_the_line_must_be_a_positive_amount(db, staff, value, message):
    with pytest.raises(ValidationFailed) as caught:
        projects.set_case_by_case_line(session=db, line_wan=value, user=staff)
    assert caught.value.fields["line_wan"].startswith("一事一议标准：" + message)
    assert projects.case_by_case_line_wan(db) == Decimal("100000")


def test_jizhe_from_zhejiang_or_mode(db, staff):
    assert new_project(db, staff, source_province="浙江省", source_city="杭州市").jizhe
    assert new_project(db, staff, source_province="浙江").jizhe
    assert new_project(db, staff, attraction_mode="jizhe").jizhe
    assert new_project(db, staff, attraction_mode="吉浙对口合作").jizhe  # Chinese label accepted
    assert not new_project(db, staff, source_province="江苏省").jizhe
    hangzhou = new_project(db, staff, source_province="浙江", source_city="杭州")
    assert hangzhou.source_city == "杭州市"


@pytest.mark.parametrize("field, value, fragment", [
    ("city_code", "110100", "吉林省市（州）"),
    ("city_code", "220199", "吉林省市（州）"),
    ("planned_investment_wan", "-1", "不能为负数"),
    ("planned_investment_wan", "十亿", "应为数字"),
    ("project_class", "huge", "不是可选的值"),
    ("stage", "won", "不是可选的值"),
    ("county_code", "222401", "不属于所选市（州）"),
    ("lon", "125.3", "同时填写"),
])
def test_field_errors_are_chinese_and_named(db, staff, field, value, fragment):
    with pytest.raises(ValidationFailed) as exc:
        new_project(db, staff, **{field: value})
    message = next(iter(exc.value.fields.values()))
    assert fragment in message, exc.value.fields


def test_name_required(db, staff):
    with pytest.raises(ValidationFailed) as exc:
        projects.create_project(session=db, data={"name": "  "}, user=staff)
    assert exc.value.fields["name"] == "项目名称：必填"


def test_stage_moves_and_history(db, staff):
    p = new_project(db, staff)
    projects.move_stage(session=db, project=p, to_stage="negotiation", user=staff)
    with pytest.raises(ValidationFailed):
        projects.move_stage(session=db, project=p, to_stage="lead", user=staff)
    with pytest.raises(ValidationFailed) as exc:
        projects.move_stage(session=db, project=p, to_stage="dropped", user=staff)
    assert "原因" in exc.value.fields["stage_reason"]
    projects.move_stage(session=db, project=p, to_stage="signed", user=staff)
    history = projects.stage_history(db, p.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, "lead"), ("lead", "negotiation"), ("negotiation", "signed")]
    assert all(h.username == staff.username for h in history)


def test_stale_version_is_refused(db, staff):
    p = new_project(db, staff)
    projects.update_project(session=db, project=p, data={"name": "甲", "version": 1}, user=staff)
    with pytest.raises(VersionConflict):
        projects.update_project(session=db, project=p, data={"name": "乙", "version": 1},
                                user=staff)
    db.refresh(p)
    assert p.name == "甲"


def test_city_user_edits_only_own_city(db, staff, make_user):
    city = db.merge(make_user("city", city_code="220300"))
    own = new_project(db, staff, city_code="220300")
    other = new_project(db, staff, city_code="220100")
    projects.update_project(session=db, project=own, data={"notes": "本市"}, user=city)
    with pytest.raises(Forbidden):
        projects.update_project(session=db, project=other, data={"notes": "外市"}, user=city)
    with pytest.raises(Forbidden):
        new_project(db, city, city_code="220100")


def test_viewer_cannot_write(db, staff, make_user):
    viewer = db.merge(make_user("viewer"))
    with pytest.raises(Forbidden):
        new_project(db, viewer)


def test_soft_delete_and_restore_with_followups(db, staff):
    p = new_project(db, staff)
    f = followups.create_followup(session=db, user=staff, data={
        "project_id": p.id, "kind": "call", "date": "2026-11-01", "summary": "电话沟通",
        "next_due": "2026-11-20"})
    assert p.last_followup_on.isoformat() == "2026-11-01"
    assert p.next_due_on.isoformat() == "2026-11-20"
    projects.delete_project(session=db, project=p, user=staff)
    db.refresh(f)
    assert p.deleted_at is not None and f.deleted_at is not None
    projects.restore_project(session=db, project=p, user=staff)
    db.refresh(f)
    assert p.deleted_at is None and f.deleted_at is None
    assert db.exec(select(FollowUp).where(FollowUp.project_id == p.id)).one().id == f.id


def test_stage_change_rows_are_kept(db, staff):
    p = new_project(db, staff, stage="signed")
    rows = db.exec(select(StageChange).where(StageChange.project_id == p.id)).all()
    assert [r.to_stage for r in rows] == ["signed"]


def test_amounts_keep_two_decimals(db, staff):
    p = new_project(db, staff, planned_investment_wan="12345.67")
    db.expire_all()
    assert projects.get_project(db, p.id).planned_investment_wan == Decimal("12345.67")


def test_case_status_moves_along_its_transitions(db, staff):
    p = new_project(db, staff, planned_investment_wan="150000")
    with pytest.raises(ValidationFailed):
        projects.set_case_status(session=db, project=p, status="approved", notes=None, user=staff)
    projects.set_case_status(session=db, project=p, status="consulting", notes="已提请会商",
                             user=staff)
    projects.update_project(session=db, project=p, user=staff,
                            data={"case_status": "approved", "case_notes": "同意"})
    assert (p.case_status, p.case_notes) == ("approved", "同意")
    small = new_project(db, staff, planned_investment_wan="10")
    with pytest.raises(ValidationFailed):
        projects.update_project(session=db, project=small, user=staff,
                                data={"case_status": "consulting"})


@pytest.mark.parametrize("sort", ["planned", "-planned"])
def test_blank_amounts_sort_last_both_ways(db, staff, sort):
    from crm.queries import ProjectFilters

    for name, amount in [("空", None), ("小", "10"), ("大", "900")]:
        new_project(db, staff, name=name, planned_investment_wan=amount)
    names = [p.name for p in db.exec(ProjectFilters.from_args({"sort": sort}).select())]
    assert names[-1] == "空"
    assert names[:2] == (["小", "大"] if sort == "planned" else ["大", "小"])


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)
