"""Registered names are stored exactly as written (issue 16): full-width （集团） stays
full-width; only the comparison key is normalised, so the same company written with
half-width brackets is recognised as already there.

Names: companies listed on the Shenzhen and Shanghai exchanges with their registered
names as the exchanges publish them (深交所/上交所 上市公司列表, 公司全称)."""

from sqlmodel import select

from crm.models import Enterprise, Project
from crm.services.importing import run_import

REGISTERED = [
    "长春高新技术产业（集团）股份有限公司",  # 000661
    "吉林化纤股份有限公司",  # 000420
    "一汽解放集团股份有限公司",  # 000800
    "通化东宝药业股份有限公司",  # 600867
    "长春一东离合器股份有限公司",  # 600148
]


def _csv(names, city="长春") -> bytes:
    return ("企业名称,所在城市\n" + "".join(f"{n},{city}\n" for n in names)).encode()


def test_names_keep_their_full_width_brackets(db, staff_user):
    report = run_import(session=db, kind="enterprises", data=_csv(REGISTERED),
                        filename="上市公司.csv", user=staff_user, commit=True)
    assert report.committed, report.to_dict()
    for name in REGISTERED:
        assert db.exec(select(Enterprise.name).where(Enterprise.name == name)).all() == [name]
    assert not db.exec(select(Enterprise).where(Enterprise.name.contains("("))).all()


def test_half_width_spelling_is_the_same_company(db, staff_user):
    run_import(session=db, kind="enterprises", data=_csv(REGISTERED[:1]),
               filename="一.csv", user=staff_user, commit=True)
    half = REGISTERED[0].replace("（", "(").replace("）", ")")
    again = run_import(session=db, kind="enterprises", data=_csv([f"  {half} "]),
                       filename="二.csv", user=staff_user, commit=True)
    assert [row.status for row in again.rows] == ["exists"], again.to_dict()
    assert not db.exec(select(Enterprise).where(Enterprise.name == half)).all()


def test_project_and_investor_names_as_written(db, staff_user):
    data = ("项目名称,投资企业,落地市（州）\n"
            f"年产１０万吨碳纤维（二期）项目,{REGISTERED[1]},吉林市\n").encode()
    report = run_import(session=db, kind="projects", data=data, filename="项目.csv",
                        user=staff_user, commit=True)
    assert report.committed, report.to_dict()
    project = db.exec(select(Project).where(Project.name.contains("碳纤维"))).one()
    assert project.name == "年产１０万吨碳纤维（二期）项目"
    assert db.get(Enterprise, project.enterprise_id).name == REGISTERED[1]
