"""Import speaks real spreadsheets (issue 16): files as others publish them.

- the Shenzhen exchange's A-share list as published (header 公司全称), and
- projects transcribed from news reports (tests/data/jilin_news_projects.csv, each
  row's report in tests/data/README.md) with stage words as reporters write them."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from io_helpers import xlsx_bytes
from sqlmodel import func, select

from crm.models import Enterprise, Project
from crm.services.importing import run_import

DATA = Path(__file__).resolve().parents[1] / "data"
NEWS = DATA / "jilin_news_projects.csv"


def _news() -> list[dict]:
    with NEWS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_exchange_list_as_published_imports(db, staff_user):
    """The exchange's own file, unchanged: 公司全称 is the name, 省份/城市 the place."""
    data = (DATA / "szse_a_share_list.csv").read_bytes()
    report = run_import(session=db, kind="enterprises", data=data, filename="A股列表.csv",
                        user=staff_user, commit=False)
    assert not report.error, report.error
    assert report.header_row == 1 and report.rejected == 0, report.summary()
    assert any("A股简称" in n and "注册地址" in n for n in report.notes)  # not imported
    names = {r.name for r in report.rows}
    assert "平安银行股份有限公司" in names and len(report.rows) == 2870
    # 深圳市 under 广东 stays 深圳市: nothing to point out; only real changes are shown
    assert not report.status_by_row()[2].understood
    assert sum(1 for r in report.rows if r.understood) < 50


def test_unknown_header_row_lists_found_and_expected(db, staff_user, tmp_path):
    data = xlsx_bytes([["序号", "客户", "地址"], [1, "某公司", "长春"]], tmp_path / "a.xlsx")
    report = run_import(session=db, kind="enterprises", data=data, filename="a.xlsx",
                        user=staff_user, commit=False)
    assert "缺少必填列：企业名称" in report.error
    assert "找到的列：“客户”、“地址”" in report.error
    assert "可识别的列：企业名称（必填）、统一社会信用代码" in report.error


def test_news_projects_import_with_their_stages(db, staff_user):
    rows = _news()
    data = NEWS.read_bytes()
    before = db.exec(select(func.count()).select_from(Project)).one()
    preview = run_import(session=db, kind="projects", data=data, filename="新闻项目.csv",
                         user=staff_user, commit=False)
    assert not preview.error and preview.rejected == 0, [r.message for r in preview.rows]
    fate = preview.status_by_row()  # row 2 of the file is rows[0]
    by_name = {r["项目名称"]: fate[i + 2] for i, r in enumerate(rows)}
    # what each value became is shown
    ethylene = by_name["年产120万吨乙烯装置项目"].understood
    assert ("计划投资额", "37.29亿元 → 372900 万元") in ethylene
    assert ("项目进展", "在建 → 开工") in ethylene
    ginseng = by_name["人参系列化加工项目（一期）"].understood
    assert ("落地地点", "延吉市 → 延边朝鲜族自治州") in ginseng
    # the words that say less than a stage: the nearest stage, and a warning
    warned = {name for name, r in by_name.items() if r.warnings}
    assert warned == {"有机胺系列产品项目二期", "凌远重工风力发电机主轴承项目",
                      "年产1.5万吨碳纤维项目", "一汽丰越扩建项目"}
    assert "按最接近的“洽谈”导入" in by_name["凌远重工风力发电机主轴承项目"].warnings[0][1]
    assert by_name["有机胺系列产品项目二期"].note == "将同时新建企业“美思德（吉林）新材料有限公司”"
    assert by_name["先进功率器件封装基地项目"].note == ""  # the registry has 华微 already

    report = run_import(session=db, kind="projects", data=data, filename="新闻项目.csv",
                        user=staff_user, commit=True)
    assert report.committed and report.count("created") == len(rows) == 15
    assert db.exec(select(func.count()).select_from(Project)).one() == before + 15
    stored = {p.name: p for p in db.exec(select(Project))}
    expected = {"年产120万吨乙烯装置项目": "started", "化纤新一代人造丝项目": "started",
                "精细化工中试基地项目": "started", "中车松原新能源产业基地项目": "started",
                "人参系列化加工项目（一期）": "producing",
                "凌远重工风力发电机主轴承项目": "negotiation",
                "年产1.5万吨碳纤维项目": "started", "东北袜业园二期工程项目": "started"}
    assert {n: stored[n].stage for n in expected} == expected
    assert stored["中车松原新能源产业基地项目"].city_code == "220700"
    assert stored["人参系列化加工项目（一期）"].city_code == "222400"
    assert stored["年产120万吨乙烯装置项目"].planned_investment_wan == Decimal("372900.00")
    huawei = db.exec(select(Enterprise).where(
        Enterprise.name == "吉林华微电子股份有限公司")).one()
    assert stored["先进功率器件封装基地项目"].enterprise_id == huawei.id
    assert report.status_by_row()[3].note == "已同时新建企业“美思德（吉林）新材料有限公司”"


def test_stage_words_and_approximate_amounts(db, staff_user, tmp_path):
    data = xlsx_bytes([
        ["项目名称", "投资方", "落地地点", "项目进展", "计划投资额", "来源地"],
        ["在谈项目甲", None, "长春", "在谈", "约3亿", "浙江嘉兴"],
        ["洽谈项目乙", None, "延边州", "洽谈中", "3亿元左右", None],
        ["运营项目丙", None, "四平", "投产运营", "5000万", None],
        ["推进项目丁", None, "通化", "推进中", None, None],
        ["未开工项目戊", None, "白山", "尚未开工", None, None],
    ], tmp_path / "p.xlsx")
    report = run_import(session=db, kind="projects", data=data, filename="p.xlsx",
                        user=staff_user, commit=True)
    rows = report.status_by_row()
    assert ("计划投资额", "约3亿 → 30000 万元（约数）") in rows[2].understood
    assert ("来源地", "浙江嘉兴 → 浙江省 / 嘉兴市") in rows[2].understood
    assert ("落地地点", "延边州 → 延边朝鲜族自治州") in rows[3].understood
    assert ("计划投资额", "3亿元左右 → 30000 万元（约数）") in rows[3].understood
    assert rows[5].warnings and rows[5].status == "created"
    assert rows[6].status == "invalid" and "无法识别阶段“尚未开工”" in rows[6].errors[0][1]
    stages = {p.name: p.stage for p in db.exec(select(Project))}
    assert stages["在谈项目甲"] == stages["洽谈项目乙"] == "negotiation"
    assert stages["运营项目丙"] == "producing" and stages["推进项目丁"] == "negotiation"
    jia = db.exec(select(Project).where(Project.name == "在谈项目甲")).one()
    assert jia.jizhe and jia.source_city == "嘉兴市"


def test_new_enterprise_not_announced_for_a_refused_row(db, staff_user, tmp_path):
    """同时新建企业 is said only when it happens: a row refused by the project's own
    checks creates nothing and says nothing of it."""
    data = xlsx_bytes([
        ["项目名称", "投资方", "落地地点", "项目进展"],
        ["被拒项目", "不会新建的企业有限公司", "长春", "搁置"],  # 搁置 needs a reason
        ["正常项目", "不会新建的企业有限公司", "长春", "已签约"],
    ], tmp_path / "p.xlsx")
    preview = run_import(session=db, kind="projects", data=data, filename="p.xlsx",
                         user=staff_user, commit=False)
    rows = preview.status_by_row()
    assert rows[2].status == "invalid" and "新建企业" not in rows[2].note
    assert rows[3].status == "new" and rows[3].note == "将同时新建企业“不会新建的企业有限公司”"
    report = run_import(session=db, kind="projects", data=data, filename="p.xlsx",
                        user=staff_user, commit=True)
    assert report.status_by_row()[3].status == "created"
    assert db.exec(select(func.count()).select_from(Enterprise).where(
        Enterprise.name == "不会新建的企业有限公司")).one() == 1


def test_email_without_contact_name_is_a_warning(db, staff_user, tmp_path):
    data = xlsx_bytes([["企业名称", "所在城市", "邮箱"],
                       ["只有邮箱的公司", "长春", "info@example.com"]], tmp_path / "e.xlsx")
    report = run_import(session=db, kind="enterprises", data=data, filename="e.xlsx",
                        user=staff_user, commit=True)
    row = report.status_by_row()[2]
    assert row.status == "created" and not row.errors
    assert row.warnings == [("联系人", "填写了电话或邮箱，但没有联系人姓名，已记入备注")]
    e = db.exec(select(Enterprise).where(Enterprise.name == "只有邮箱的公司")).one()
    assert "邮箱：info@example.com" in e.notes
