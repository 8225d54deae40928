"""Imports of real .xlsx and GB18030 CSV files: every row's fate is checked."""

from decimal import Decimal

from io_helpers import credit_code, xlsx_bytes
from sqlmodel import func, select

from crm.models import AuditLog, Contact, Enterprise, Project
from crm.services.importing import run_import

CODE_A = credit_code("91220101MA17XK3A0")
CODE_B = credit_code("91220201MA17XK3B0")


def _enterprise_rows():
    return [
        ["2024年重点招商企业名录（长春市商务局报送）"],  # 1 title
        [],  # 2
        [
            "序号",
            "单位名称",
            "信用代码",
            "城市",
            "营业收入（亿元）",
            "是否重点",
            "联系人",
            "手机",
            "微信",
        ],  # 3
        [1, "长春新光电子有限公司", CODE_A, "长春", 1.5, "是", "张三", 13800000000, "zs"],  # 4 new
        [
            2,
            "延吉芯片（集团）股份有限公司",
            CODE_B,
            "延边朝鲜族自治州",
            "1.2亿",
            "否",
            None,
            None,
            None,
        ],  # 5 new
        [3, "坏代码公司", "91220101MA17XK3A0X", "长春", None, None, None, None, None],  # 6 invalid
        [4, "金额不清公司", None, "吉林", "很多", None, None, None, None],  # 7 invalid
        [
            5,
            "长春新光电子股份有限公司",
            None,
            "长春市",
            None,
            None,
            None,
            None,
            None,
        ],  # 8 same as 4
        [None, None, None, None, None, None, None, None, None],  # 9 blank
        [
            7,
            "吉林华微电子有限公司",
            None,
            "吉林市",
            None,
            None,
            None,
            None,
            None,
        ],  # 10 exists (seed)
        [
            8,
            "长春长光晨芯微电子股份有限公司",
            None,
            "长春",
            None,
            None,
            None,
            None,
            None,
        ],  # 11 similar
        [9, "重点不明公司", None, "四平", None, "也许", None, None, None],  # 12 invalid
        [10, "只有电话公司", None, "通化", None, None, None, "13900000000", None],  # 13 new, warned
        [11, "杭州外省企业", None, "杭州", "５０００万元", "Y", None, None, None],  # 14 new
    ]


def _count(db, model):
    return db.exec(
        select(func.count())
        .select_from(model)
        .where(model.deleted_at.is_(None) if hasattr(model, "deleted_at") else True)
    ).one()


def _fates(report):
    return {r.number: r.status for r in report.rows}


def test_xlsx_preview_writes_nothing_and_reports_every_row(db, staff_user, tmp_path):
    data = xlsx_bytes(_enterprise_rows(), tmp_path / "名录.xlsx")
    before = _count(db, Enterprise)
    report = run_import(
        session=db,
        kind="enterprises",
        data=data,
        filename="名录.xlsx",
        user=staff_user,
        commit=False,
    )
    assert report.header_row == 3
    assert _fates(report) == {
        4: "new",
        5: "new",
        6: "invalid",
        7: "invalid",
        8: "exists",
        10: "exists",
        11: "similar",
        12: "invalid",
        13: "new",
        14: "new",
    }
    rows = report.status_by_row()
    assert rows[6].errors[0][0] == "统一社会信用代码"
    assert rows[7].errors == [
        ("营业收入（亿元）", "无法识别金额“很多”，请填写如 5000、5000万、1.2亿")
    ]
    assert "第4行" in rows[8].note or "长春新光电子有限公司" in rows[8].note
    assert "吉林华微电子股份有限公司" in rows[10].note
    assert "长春长光辰芯微电子股份有限公司" in rows[11].note
    assert rows[12].errors[0][0] == "是否重点"
    # a phone without a contact's name: kept in the notes, with a warning (issue 16)
    assert not rows[13].errors and rows[13].warnings[0][0] == "联系人"
    assert any("微信" in n for n in report.notes)  # unknown column reported
    assert not any("序号" in n for n in report.notes)
    assert report.rejected == 3 and not report.ok
    assert _count(db, Enterprise) == before


def test_xlsx_commit_imports_valid_rows_once(db, staff_user, tmp_path):
    data = xlsx_bytes(_enterprise_rows(), tmp_path / "名录.xlsx")
    before = _count(db, Enterprise)
    report = run_import(
        session=db,
        kind="enterprises",
        data=data,
        filename="名录.xlsx",
        user=staff_user,
        commit=True,
    )
    assert report.committed and report.count("created") == 4
    assert _count(db, Enterprise) == before + 4
    a = db.exec(select(Enterprise).where(Enterprise.credit_code == CODE_A)).one()
    assert a.city == "长春市" and a.city_code == "220100" and a.province == "吉林省"
    assert a.revenue_wan == Decimal("15000.00") and a.is_key_target
    contact = db.exec(select(Contact).where(Contact.enterprise_id == a.id)).one()
    assert (contact.name, contact.phone) == ("张三", "13800000000")
    b = db.exec(select(Enterprise).where(Enterprise.credit_code == CODE_B)).one()
    assert b.city_code == "222400" and b.revenue_wan == Decimal("12000.00")
    hz = db.exec(select(Enterprise).where(Enterprise.name == "杭州外省企业")).one()
    # outside Jilin too: the real city, its code and province (issue 16)
    assert (hz.city, hz.city_code, hz.province) == ("杭州市", "330100", "浙江省")
    assert hz.revenue_wan == Decimal("5000.00")
    audit = db.exec(select(AuditLog).where(AuditLog.action == "import")).one()
    assert "4" in audit.summary and audit.user_id == staff_user.id
    phone_only = db.exec(select(Enterprise).where(Enterprise.name == "只有电话公司")).one()
    assert "13900000000" in phone_only.notes
    creates = db.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "create", AuditLog.object_type == "enterprise")
    ).one()
    assert creates == 4

    again = run_import(
        session=db,
        kind="enterprises",
        data=data,
        filename="名录.xlsx",
        user=staff_user,
        commit=True,
    )
    assert again.count("created") == 0
    assert {4, 5, 8, 10, 13, 14} <= {n for n, s in _fates(again).items() if s == "exists"}
    assert _count(db, Enterprise) == before + 4


def test_similar_rows_imported_when_asked(db, staff_user, tmp_path):
    data = xlsx_bytes(_enterprise_rows(), tmp_path / "名录.xlsx")
    report = run_import(
        session=db,
        kind="enterprises",
        data=data,
        filename="名录.xlsx",
        user=staff_user,
        commit=True,
        include_similar=True,
    )
    row = report.status_by_row()[11]
    assert row.status == "created" and "仍导入" in row.note


def test_missing_required_column_refuses_file(db, staff_user, tmp_path):
    data = xlsx_bytes([["城市", "备注"], ["长春", "x"]], tmp_path / "a.xlsx")
    report = run_import(
        session=db, kind="enterprises", data=data, filename="a.xlsx", user=staff_user, commit=True
    )
    assert "缺少必填列：企业名称" in report.error and not report.rows


def test_unreadable_file(db, staff_user):
    report = run_import(
        session=db,
        kind="enterprises",
        data=b"PK\x03\x04garbage",
        filename="a.xlsx",
        user=staff_user,
        commit=False,
    )
    assert "无法读取" in report.error


PROJECT_CSV = (
    "项目名称,投资企业,统一社会信用代码,落地市（州）,计划投资额,阶段,来源省份,来源城市,搁置原因\r\n"
    "年产10万片晶圆项目,宁波甬芯微电子有限公司,,延边朝鲜族自治州,１２亿,洽谈,浙江,宁波,\r\n"
    '功率器件扩产项目,吉林华微电子股份有限公司,,公主岭,"5,000",线索,,,\r\n'
    "阶段不明项目,吉林华微电子股份有限公司,,长春,100,快签了,,,\r\n"
    "外省落地项目,某公司,,杭州,100,线索,,,\r\n"
    "搁置项目,某某公司,,吉林,3000万元,搁置,,,\r\n"
    '"=HYPERLINK(""http://x"")",公式企业,,白山,1,线索,,,\r\n'
    ",,,,,,,,\r\n"
    "功率器件扩产项目,吉林华微电子股份有限公司,,长春,5000,线索,,,\r\n"
)


def test_gb18030_csv_projects(db, staff_user):
    data = PROJECT_CSV.encode("gb18030")
    before = _count(db, Project), _count(db, Enterprise)
    report = run_import(
        session=db, kind="projects", data=data, filename="项目.csv", user=staff_user, commit=True
    )
    assert _fates(report) == {
        2: "created",
        3: "created",
        4: "invalid",
        5: "invalid",
        6: "invalid",
        7: "created",
        9: "exists",
    }
    rows = report.status_by_row()
    assert rows[4].errors[0][0] == "阶段" and "无法识别阶段“快签了”" in rows[4].errors[0][1]
    assert rows[5].errors[0][0] == "落地市（州）"
    assert rows[6].errors[0][0] == "搁置原因"
    assert "同时新建企业" in rows[2].note
    assert _count(db, Project) == before[0] + 3
    assert _count(db, Enterprise) == before[1] + 2  # 宁波甬芯 and 公式企业; 华微 exists
    wafer = db.exec(select(Project).where(Project.name == "年产10万片晶圆项目")).one()
    assert wafer.city_code == "222400" and wafer.planned_investment_wan == Decimal("120000.00")
    assert wafer.case_by_case and wafer.case_status == "pending"  # 一事一议 rule applied
    assert wafer.jizhe and wafer.source_province == "浙江省"  # 吉浙 rule applied
    assert wafer.stage == "negotiation"
    power = db.exec(select(Project).where(Project.name == "功率器件扩产项目")).one()
    assert power.city_code == "220100" and power.planned_investment_wan == Decimal("5000.00")
    hua_wei = db.get(Enterprise, power.enterprise_id)
    assert hua_wei.name == "吉林华微电子股份有限公司"
    assert db.exec(select(Project).where(Project.name == '=HYPERLINK("http://x")')).one()

    again = run_import(
        session=db, kind="projects", data=data, filename="项目.csv", user=staff_user, commit=True
    )
    assert again.count("created") == 0 and _count(db, Project) == before[0] + 3


def test_all_or_nothing_when_the_database_refuses(db, staff_user, monkeypatch):
    """A failure half-way (here: the database) leaves nothing behind."""
    from crm.services import importing

    data = PROJECT_CSV.encode("gb18030")
    before = _count(db, Project), _count(db, Enterprise)
    calls = {"n": 0}
    real = importing.create_project

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            from sqlalchemy.exc import OperationalError

            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(**kwargs)

    monkeypatch.setattr(importing, "create_project", flaky)
    report = run_import(
        session=db, kind="projects", data=data, filename="项目.csv", user=staff_user, commit=True
    )
    assert report.error.startswith("导入失败，未写入任何数据") and not report.committed
    assert (_count(db, Project), _count(db, Enterprise)) == before


def test_city_user_can_only_import_own_city(db, make_user):
    user = db.merge(make_user("city", city_code="220100"))
    data = PROJECT_CSV.encode("gb18030")
    report = run_import(
        session=db, kind="projects", data=data, filename="项目.csv", user=user, commit=False
    )
    rows = report.status_by_row()
    assert rows[3].status == "new"  # 公主岭 is under 长春, the user's city
    assert rows[2].status == "invalid" and "权限" in rows[2].message  # a new enterprise
    assert rows[7].status == "invalid"


def test_rows_written_in_batches_keep_duplicates_ids_and_audit(db, staff_user, tmp_path,
                                                                monkeypatch):
    """Accepted rows are written BATCH at a time: a duplicate of a row still waiting to
    be written is caught, and every written enterprise gets its id, contact and audit."""
    from crm.services import importing

    monkeypatch.setattr(importing._EnterpriseRows, "BATCH", 2)
    rows = [["企业名称", "所在城市", "联系人"]] + [
        [name, "长春", f"联系人{i}"] for i, name in enumerate(
            ["分批甲光电有限公司", "分批乙芯片有限公司", "分批丙卫星有限公司",
             "分批甲光电有限公司", "分批丁雷达有限公司"])]
    data = xlsx_bytes(rows, tmp_path / "分批.xlsx")
    report = run_import(session=db, kind="enterprises", data=data, filename="分批.xlsx",
                        user=staff_user, commit=True)
    assert report.count("created") == 4
    fates = _fates(report)
    assert fates[5] == "exists"
    assert "第2行" in next(r.note for r in report.rows if r.number == 5)
    made = db.exec(select(Enterprise).where(Enterprise.name.like("分批%"))).all()
    assert len(made) == 4 and all(e.id > 0 and e.city_code == "220100" for e in made)
    contact_of = {"分批甲光电有限公司": "联系人0", "分批乙芯片有限公司": "联系人1",
                  "分批丙卫星有限公司": "联系人2", "分批丁雷达有限公司": "联系人4"}
    for e in made:  # each id reached its own row's contact and audit entry
        assert db.exec(select(Contact).where(Contact.enterprise_id == e.id)).one().name == (
            contact_of[e.name])
        assert db.exec(select(AuditLog).where(AuditLog.action == "create",
                                              AuditLog.object_id == e.id)).one().summary == e.name


def test_near_names_within_one_file_are_flagged_against_earlier_rows_only(db, staff_user, tmp_path):
    rows = [
        ["企业名称", "城市"],
        ["吉林星河光电材料有限公司", "长春"],  # row 2: new
        ["吉林星河光电材料科技有限公司", "长春"],  # row 3: near row 2
        ["白山远景精密仪器有限公司", "白山"],  # row 4: new; row 5 is near it but comes later
        ["白山远景精密仪器制造有限公司", "白山"],  # row 5: near row 4
    ]
    data = xlsx_bytes(rows, tmp_path / "near.xlsx")
    report = run_import(session=db, kind="enterprises", data=data, filename="near.xlsx",
                        user=staff_user, commit=False)
    assert _fates(report) == {2: "new", 3: "similar", 4: "new", 5: "similar"}
    assert "吉林星河光电材料有限公司" in report.status_by_row()[3].note
    assert "白山远景精密仪器有限公司" in report.status_by_row()[5].note
