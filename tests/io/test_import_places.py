"""Imports put every company in its own city (issue 16, "Places").

The company list is the Shenzhen Stock Exchange's published A-share list
(tests/data/szse_a_share_list.csv, see tests/data/README.md): 2,870 companies of
31 provinces, each with the exchange's 省份 and 城市 columns as it writes them."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from io_helpers import xlsx_bytes
from sqlmodel import func, select

from crm import rules
from crm.models import Enterprise, Park, Project
from crm.queries import EnterpriseFilters
from crm.services.enterprises import create_enterprise
from crm.services.importing import run_import

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = Path(__file__).resolve().parents[2] / "seeds" / "china_divisions.csv"


def _exchange_rows() -> list[dict]:
    with (DATA / "szse_a_share_list.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _official_codes() -> dict[tuple[str, str], str]:
    """(province, official city name) → code, straight from the shipped table."""
    with SEED.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = {(r["province"], r["name"]): r["code"] for r in rows if r["level"] != "county"}
    codes |= {(r["province"], r["name"]): r["code"] for r in rows  # 仙桃市, 济源市
              if r["level"] == "county" and r["parent_code"].endswith("0000")}
    return codes


def _exchange_csv(rows: list[dict]) -> bytes:
    """The exchange's own column headers (with their spaces) and short provinces."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["A股代码", "企业名称", "省    份", "城     市"])
    for r in rows:
        writer.writerow([r["A股代码"], r["公司全称"], r["省份"], r["城市"]])
    return out.getvalue().encode("utf-8")


def test_a_cross_province_list_puts_every_company_in_its_city(db, staff_user):
    rows = _exchange_rows()
    codes = _official_codes()
    before = db.exec(select(func.count()).select_from(Enterprise)).one()
    report = run_import(session=db, kind="enterprises", data=_exchange_csv(rows),
                        filename="A股列表.csv", user=staff_user, commit=True,
                        include_similar=True)  # similar names are the name matcher's business
    assert report.committed and report.rejected == 0, report.summary()
    fate = report.status_by_row()  # row 2 of the file is rows[0]
    created = [(r, fate[i + 2].name) for i, r in enumerate(rows) if fate[i + 2].status == "created"]
    assert len(created) > 2850 and len(created) + report.count("exists") == len(rows) == 2870
    assert db.exec(select(func.count()).select_from(Enterprise)).one() == before + len(created)
    stored = {e.name: e for e in db.exec(select(Enterprise))}
    warned = {r.name for r in report.rows if r.warnings}
    in_jilin = set()
    for r, name in created:
        e = stored[name]
        province = rules.normalize_province(r["省份"])
        assert e.province == province, r
        if (e.city_code or "").startswith("22"):
            in_jilin.add(r["省份"])
        if "直辖县级" in r["城市"]:  # the exchange's grouping: kept as written, with a warning
            assert e.city == r["城市"] and e.city_code is None and e.name in warned
            continue
        assert (e.city, e.city_code) == (r["城市"], codes[(province, r["城市"])]), r
    assert len(warned) == 6
    assert in_jilin == {"吉林"}  # none outside Jilin is counted for a Jilin city


def test_filters_work_for_any_city_and_either_spelling(db, staff_user):
    def count(**kw):
        return len(db.exec(EnterpriseFilters(**kw).select()).all())

    cities = {"北京市": "110000", "深圳市": "440300", "杭州市": "330100", "长春市": "220100"}
    before = {name: count(city_code=code) for name, code in cities.items()}
    rows = [r for r in _exchange_rows() if r["城市"] in cities]
    report = run_import(session=db, kind="enterprises", data=_exchange_csv(rows),
                        filename="a.csv", user=staff_user, commit=True, include_similar=True)
    fate = report.status_by_row()
    created = Counter(r["城市"] for i, r in enumerate(rows) if fate[i + 2].status == "created")
    for name, code in cities.items():
        assert count(city_code=code) - before[name] == created[name] > 10, name
    assert count(province="吉林") == count(province="吉林省") >= created["长春市"]
    assert count(province="浙江") == count(province="浙江省") >= created["杭州市"]
    assert count(province="北京") == count(province="北京市") >= created["北京市"]


def _import_enterprises(db, user, rows):
    return run_import(session=db, kind="enterprises", data=xlsx_bytes(rows, _tmp(db)),
                      filename="名录.xlsx", user=user, commit=True)


def _tmp(db):
    import tempfile
    return Path(tempfile.mkdtemp()) / "x.xlsx"


def test_names_of_several_places_are_kept_with_a_warning(db, staff_user):
    report = _import_enterprises(db, staff_user, [
        ["企业名称", "所在省份", "所在城市"],
        ["陕西西安测试甲公司", "陕西省", "西安市"],
        ["西安区测试乙公司", None, "西安区"],
        ["辽源西安区测试丙公司", "吉林", "西安区"],
        ["铁西区测试丁公司", None, "铁西区"],
        ["朝阳测试戊公司", None, "朝阳市"],
    ])
    assert report.count("created") == 5, report.summary()
    by_name = {e.name: e for e in db.exec(select(Enterprise))}
    a = by_name["陕西西安测试甲公司"]
    assert (a.city, a.city_code) == ("西安市", "610100")
    b = by_name["西安区测试乙公司"]
    assert (b.city, b.city_code, b.province) == ("西安区", None, None)  # as typed, not 辽源
    c = by_name["辽源西安区测试丙公司"]
    assert (c.city, c.city_code, c.province) == ("辽源市", "220400", "吉林省")
    assert by_name["铁西区测试丁公司"].city_code is None
    e = by_name["朝阳测试戊公司"]
    assert (e.province, e.city_code) == ("辽宁省", "211300")
    rows = report.status_by_row()
    assert "有多处" in rows[3].warnings[0][1] and rows[3].warnings[0][0] == "所在城市"
    assert "提示：所在城市" in rows[3].message
    assert not rows[2].warnings and not rows[4].warnings


def test_the_form_derives_the_real_city_too(db, staff):
    e = create_enterprise(session=db, user=staff, data={"name": "深圳某表单企业", "city": "深圳"})
    assert (e.province, e.city_code, e.jizhe) == ("广东省", "440300", False)
    z = create_enterprise(session=db, user=staff, data={"name": "杭州某表单企业", "city": "杭州",
                                                       "province": "浙江"})
    assert (z.province, z.city_code, z.jizhe) == ("浙江省", "330100", True)
    j = create_enterprise(session=db, user=staff,
                          data={"name": "吉林某表单企业", "province": "吉林"})
    assert j.province == "吉林省"


def _import_projects(db, user, rows):
    return run_import(session=db, kind="projects", data=xlsx_bytes(rows, _tmp(db)),
                      filename="项目.xlsx", user=user, commit=True)


def test_source_place_is_split_into_province_and_city(db, staff_user):
    report = _import_projects(db, staff_user, [
        ["项目名称", "投资方", "落地市州", "来源地"],
        ["来源测试项目甲", "来源测试甲公司", "长春", "浙江嘉兴"],
        ["来源测试项目乙", "来源测试乙公司", "长春", "浙江省"],
        ["来源测试项目丙", "来源测试丙公司", "吉林", "广东深圳"],
    ])
    assert report.count("created") == 3, [r.message for r in report.rows]
    got = {p.name: p for p in db.exec(select(Project).where(Project.name.like("来源测试项目%")))}
    a, b, c = got["来源测试项目甲"], got["来源测试项目乙"], got["来源测试项目丙"]
    assert (a.source_province, a.source_city, a.jizhe) == ("浙江省", "嘉兴市", True)
    assert (b.source_province, b.source_city, b.jizhe) == ("浙江省", None, True)
    assert (c.source_province, c.source_city, c.jizhe) == ("广东省", "深圳市", False)


def test_landing_city_of_another_province_is_refused(db, staff_user):
    report = run_import(session=db, kind="projects", filename="项目.xlsx", user=staff_user,
                        commit=False, data=xlsx_bytes([
                            ["项目名称", "落地市州"],
                            ["落地测试甲", "西安市"],
                            ["落地测试乙", "西安区"],
                        ], _tmp(db)))
    rows = report.status_by_row()
    assert rows[2].status == "invalid" and "陕西省西安市，不在吉林省" in rows[2].message
    assert rows[3].status == "new"  # 西安区 of 辽源: the project lands in Jilin


def test_zones_as_people_name_them(db, staff_user):
    report = _import_projects(db, staff_user, [
        ["项目名称", "落地园区", "备注"],
        ["园区测试甲", "汽开区", None],
        ["园区测试乙", "净月高新区", None],
        ["园区测试丙", "220171", None],
        ["园区测试丁", "长白山", None],
        ["园区测试戊", "双阳经济开发区", "原有备注"],
    ])
    assert report.count("created") == 5, [r.message for r in report.rows]
    parks = {p.id: p.name for p in db.exec(select(Park))}
    got = {p.name: p for p in db.exec(select(Project).where(Project.name.like("园区测试%")))}
    assert parks[got["园区测试甲"].park_id] == "长春汽车经济技术开发区"
    assert got["园区测试甲"].city_code == "220100"  # the zone says which city
    assert parks[got["园区测试乙"].park_id] == "长春净月高新技术产业开发区"
    assert parks[got["园区测试丙"].park_id] == "长春经济技术开发区"
    assert parks[got["园区测试丁"].park_id] == "长白山管委会"
    unknown = got["园区测试戊"]
    assert unknown.park_id is None and "双阳经济开发区" in unknown.notes
    assert "原有备注" in unknown.notes
    warning = report.status_by_row()[6].warnings
    assert warning and "不在园区名录中" in warning[0][1]


def test_the_preview_shows_the_warnings(app, staff_client, tmp_path):
    data = xlsx_bytes([["企业名称", "所在城市"], ["预览提示测试公司", "铁西区"]],
                      tmp_path / "w.xlsx")
    response = staff_client.post("/import", data={"kind": "enterprises",
                                                  "file": (io.BytesIO(data), "w.xlsx")},
                                 content_type="multipart/form-data")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"提示：.*所在城市.*铁西区.*有多处", page, re.S)
    assert "可导入" in page


def test_the_list_page_filters_by_any_city_and_province_spelling(db, staff, staff_client):
    create_enterprise(session=db, user=staff, data={"name": "深圳页面筛选公司", "city": "深圳"})
    create_enterprise(session=db, user=staff, data={"name": "西安页面筛选公司", "city": "西安市",
                                                   "province": "陕西"})
    page = staff_client.get("/enterprises?city_code=440300").get_data(as_text=True)
    assert "深圳页面筛选公司" in page and "西安页面筛选公司" not in page
    assert re.search(r'<optgroup label="陕西省">.*?value="610100"[^>]*>西安市', page, re.S)
    page = staff_client.get("/enterprises?province=陕西").get_data(as_text=True)
    assert "西安页面筛选公司" in page and "深圳页面筛选公司" not in page
