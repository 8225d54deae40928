"""The demo data set: invented enterprises, projects and follow-ups, every one
marked 【演示】 and is_demo=True, spread over all cities, segments, stages and modes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from crm import clock, rules
from crm.models import Enterprise, FollowUp, Project, User
from crm.services import followups, projects, reference
from crm.services.enterprises import create_enterprise

DEMO_MARK = "【演示】"
SEED = 20230302  # the policy's date: the same demo set every time

NAME_HEADS = ["华光", "吉芯", "长晟", "北辰", "松江", "白山", "东启", "瀚海", "鸿图", "天衡",
              "星联", "晶准", "锐驰", "恒远", "启明", "精微", "卓越", "图们", "延和", "净月"]
NAME_TAILS = ["光电科技", "微电子", "半导体", "激光技术", "卫星应用", "汽车电子", "智能装备",
              "显示技术", "芯片设计", "传感技术", "电子元件", "信息技术"]
ZJ_CITIES = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市",
             "舟山市", "台州市", "丽水市"]
OTHER_SOURCES = [("广东省", "深圳市"), ("江苏省", "苏州市"), ("上海市", "上海市"),
                 ("北京市", "北京市"), ("吉林省", "长春市"), ("辽宁省", "大连市")]


def load_demo(session: Session, *, user: User, enterprises: int = 200, projects_n: int = 300,
              followups_n: int = 600, today: date | None = None) -> dict[str, int]:
    """Add the demo set once; a second run adds nothing."""
    if session.exec(select(Enterprise.id).where(Enterprise.is_demo.is_(True))).first():
        return {"enterprises": 0, "projects": 0, "followups": 0}
    rnd = random.Random(SEED)
    today = today or clock.today()
    cities = [d.code for d in reference.jilin_prefectures(session)]
    segs = [s.name for s in reference.segments(session)]
    ents = [_enterprise(session, rnd, i, segs, user) for i in range(enterprises)]
    projs = [_project(session, rnd, i, ents, cities, segs, user, today) for i in range(projects_n)]
    n_follow = _followups(session, rnd, projs, followups_n, user, today)
    session.commit()
    return {"enterprises": len(ents), "projects": len(projs), "followups": n_follow}


def _enterprise(session, rnd, i, segs, user) -> Enterprise:
    zhejiang = rnd.random() < 0.3
    province, city = ("浙江省", rnd.choice(ZJ_CITIES)) if zhejiang else rnd.choice(OTHER_SOURCES)
    words = f"{city[:2]}{rnd.choice(NAME_HEADS)}{rnd.choice(NAME_TAILS)}"
    name = f"{DEMO_MARK}{words}有限公司{i + 1:03d}"
    ent = create_enterprise(session=session, user=user, commit=False, data={
        "name": name, "province": province, "city": city, "chain_segment": rnd.choice(segs),
        "kind": rnd.choice(list(rules.ENTERPRISE_KINDS)), "is_key_target": rnd.random() < 0.35,
        "priority": rnd.choice([1, 2, 2, 3]),
        "revenue_wan": Decimal(rnd.choice([3000, 8000, 12000, 30000, 60000, 150000, 400000])),
        "notes": "演示数据，非真实企业。",
        "contacts": [{"name": f"{DEMO_MARK}联系人{i + 1}", "title": "投资总监",
                      "phone": f"1380000{i:04d}", "email": f"demo{i}@example.invalid"}],
    })
    ent.is_demo = True
    return ent


def _project(session, rnd, i, ents, cities, segs, user, today) -> Project:
    ent = rnd.choice(ents)
    stage = rnd.choices(list(rules.STAGES), weights=[20, 15, 12, 12, 10, 8, 6, 5, 4])[0]
    mode = "jizhe" if ent.province == rules.ZHEJIANG and rnd.random() < 0.6 else rnd.choice(
        [m for m in rules.ATTRACTION_MODES if m != "jizhe"])
    planned = Decimal(rnd.choice([800, 2000, 5000, 12000, 30000, 50000, 99999.99, 100000,
                                  120000, 250000]))
    data = {
        "name": f"{DEMO_MARK}{ent.chain_segment}项目{i + 1:03d}", "enterprise_id": ent.id,
        "city_code": rnd.choice(cities), "chain_segment": ent.chain_segment,
        "project_class": "major" if planned >= 50000 else "supporting",
        "cooperation_form": rnd.choice(list(rules.COOPERATION_FORMS)), "attraction_mode": mode,
        "planned_investment_wan": planned, "source_province": ent.province,
        "source_city": ent.city, "introducer": rnd.choice(["", "吉商联合会", "浙江吉林商会"]),
        "responsible_unit": "省商务厅", "notes": "演示数据。",
        "stage": stage,
        "stage_reason": "演示：等待企业决策" if stage in rules.STAGES_NEEDING_REASON else "",
    }
    if stage in rules.SIGNED_OR_LATER:
        data["actual_investment_wan"] = (planned * Decimal(rnd.choice([0, 0.2, 0.5, 1]))).quantize(
            Decimal("0.01"))
    proj = projects.create_project(session=session, data=data, user=user)
    proj.is_demo = True
    proj.created_at = proj.created_at - timedelta(days=rnd.randint(30, 400))
    session.add(proj)
    return proj


def _followups(session, rnd, projs, n, user, today) -> int:
    for i in range(n):
        proj = rnd.choice(projs)
        when = today - timedelta(days=rnd.randint(0, 120))
        due = when + timedelta(days=rnd.randint(7, 45)) if rnd.random() < 0.7 else None
        fu = FollowUp(project_id=proj.id, enterprise_id=proj.enterprise_id, user_id=user.id,
                      kind=rnd.choice(list(rules.FOLLOWUP_KINDS)), date=when,
                      participants="演示人员",
                      summary=f"{DEMO_MARK}第{i + 1}次跟进：沟通项目进展。",
                      next_step="演示：准备下一轮洽谈材料" if due else "", next_due=due,
                      is_demo=True)
        session.add(fu)
    session.flush()
    for proj in projs:
        followups.refresh_project_dates(session, proj)
    return n
