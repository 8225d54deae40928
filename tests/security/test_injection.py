"""User text is data, never template source or markup, on every page, map and export.

Four payloads go into every free-text field of every record type (enterprise with its
contact, project with its stage reason and 一事一议 notes, follow-up, 到位资金): Jinja
expressions and blocks, an attribute break-out and a script break-out. Chain segments
are checked against their list now; rows saved before that check can still hold any
text, so the test also writes payload segments straight into the database (that is
what reached the map's layer names). One app and one set of records serve the module;
each page, export and map is a parametrized case that asserts: no 500, nothing
evaluated, no raw markup, and the record is really on the page (so a case cannot pass
by showing nothing).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from crm import create_app
from crm.db import get_engine, session_scope
from crm.models import Enterprise, Project, User
from crm.services import enterprises, followups, funding, projects, reference, stats, users
from tests.conftest import BACKEND, PASSWORD, base_config, fresh_database_url, login

PAYLOADS = {
    "jinja": "Z{{7*7}}Z",
    "block": "{% x %}",
    "attr": '"><img src=x onerror=alert(1)>',
    "script": "</script><script>alert(1)</script>",
}
EVALUATED = "Z49Z"  # what "Z{{7*7}}Z" becomes if anything renders it as a template
RAW_MARKUP = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>")
# What survives every kind of escaping (HTML entities, JSON \u003c, \u007b): proof
# that the payload is on the page at all.
SIGNS = {"jinja": "7*7", "block": "% x %", "attr": "onerror=alert(1)",
         "script": "alert(1)"}
# Fields with a short maximum take the payload only when it fits.
SHORT = {"province": 20}


def _fit(field: str, text: str, fallback: str = "") -> str:
    return text if len(text) <= SHORT.get(field, 10_000) else fallback


def _make_records(session, admin: User) -> dict:
    """Per payload: a live enterprise, project, follow-up and fund arrival, each edited
    once (so the history shows payloads too), plus a deleted copy of each kind."""
    ids: dict[str, dict] = {}
    today = date.today()
    for n, (key, text) in enumerate(PAYLOADS.items()):
        ent = enterprises.create_enterprise(session=session, user=admin, data={
            "name": f"{text}企业", "province": _fit("province", text, "浙江省"),
            "city": text, "chain_segment": "集成电路", "kind": "leader",
            "is_key_target": True, "notes": text, "lon": 124.0 + 2 * n, "lat": 43.6,
            "contacts": [{"name": text, "title": text, "phone": text, "email": text}]})
        enterprises.update_enterprise(session=session, enterprise=ent, user=admin,
                                      data={"notes": text + "（改）", "version": ent.version})
        project = projects.create_project(session=session, user=admin, data={
            "name": f"{text}项目", "enterprise_id": ent.id, "city_code": "220100",
            "chain_segment": "集成电路", "attraction_mode": "jizhe",
            "planned_investment_wan": "200000", "source_province": _fit("province", text),
            "source_city": text, "introducer": text, "responsible_unit": text,
            "notes": text, "lon": 123.5 + 2 * n, "lat": 43.2})
        projects.update_project(session=session, project=project, user=admin,
                                data={"notes": text + "（改）", "version": project.version})
        projects.set_case_status(session=session, project=project, status="consulting",
                                 notes=text, user=admin)
        projects.move_stage(session=session, project=project, to_stage="paused",
                            reason=text, user=admin)
        followup = followups.create_followup(session=session, user=admin, data={
            "project_id": project.id, "kind": "visit", "date": today.isoformat(),
            "participants": text, "summary": text, "next_step": text,
            "next_due": (today + timedelta(days=1)).isoformat()})
        followups.update_followup(session=session, followup=followup, user=admin, data={
            "summary": text + "（改）", "version": followup.version})
        funding.add_arrival(session=session, project=project, user=admin, data={
            "date": today.isoformat(), "amount_wan": "100", "note": text})
        # deleted copies, for the recycle bins
        gone_ent = enterprises.create_enterprise(session=session, user=admin,
                                                 data={"name": f"{text}已删企业"})
        enterprises.delete_enterprise(session=session, enterprise=gone_ent, user=admin)
        gone = projects.create_project(session=session, user=admin, data={
            "name": f"{text}已删项目", "city_code": "220200"})
        gone_f = followups.create_followup(session=session, user=admin, data={
            "project_id": gone.id, "kind": "call", "date": today.isoformat(),
            "summary": f"{text}已删跟进"})
        followups.delete_followup(session=session, followup=gone_f, user=admin)
        projects.delete_project(session=session, project=gone, user=admin)
        ids[key] = {"enterprise": ent.id, "project": project.id, "followup": followup.id}
        # A segment saved before segments were checked (direct write: no service accepts it).
        session.exec(update(Project).where(Project.id == project.id)
                     .values(chain_segment=text))
        session.exec(update(Enterprise).where(Enterprise.id == ent.id)
                     .values(chain_segment=text))
        session.commit()
    reference.forget_cached(session)
    return ids


class World:
    def __init__(self, app, ids, client):
        self.app, self.ids, self.client = app, ids, client


@pytest.fixture(scope="module")
def world(template_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("injection")
    app = create_app(base_config(fresh_database_url(template_db, tmp), tmp))
    with app.app_context(), session_scope() as session:
        if BACKEND == "postgresql":
            reference.seed_reference(session)
        admin = users.create_user(session, username="inject-admin", password=PASSWORD,
                                  role="admin")
        ids = _make_records(session, admin)
    client = app.test_client()
    assert login(client, "inject-admin").status_code == 302
    yield World(app, ids, client)
    get_engine(app).dispose()


def assert_safe(text: str, where: str, expect: tuple[str, ...] = ()) -> None:
    assert EVALUATED not in text, f"{where}: a payload was evaluated as a template"
    for markup in RAW_MARKUP:
        assert markup not in text, f"{where}: raw markup {markup!r}"
    for key in expect:
        assert SIGNS[key] in text, f"{where}: the {key} record is not shown at all"


ALL = tuple(PAYLOADS)

# url (with {enterprise} / {project} / {followup} of one payload's records) → which
# payloads the page must show.
RECORD_PAGES = [
    "/enterprises/{enterprise}", "/enterprises/{enterprise}/edit",
    "/projects/{project}", "/projects/{project}/edit", "/followups/{followup}",
    "/followups/{followup}/edit", "/projects/new?enterprise_id={enterprise}",
    "/followups/new?project_id={project}",
]
LIST_PAGES = {
    "/": ALL, "/enterprises": ALL, "/enterprises?deleted=1": ALL, "/projects": ALL,
    "/projects?deleted=1": ALL, "/projects/board": ALL, "/followups": ALL,
    "/followups?deleted=1": ALL, "/case-by-case": ALL, "/jizhe": (), "/stats": (),
    "/stats/list?case_status=consulting": ALL, "/stats/policy": (), "/stats/rewards": (),
    "/admin/audit": ALL, "/admin/trash": ALL, "/map": ALL, "/map/export.html": ALL,
    "/map?metric=key_targets": ALL,
    # payloads in query strings: filter descriptions, search boxes, map titles
    "/projects?q=Z{{7*7}}Z": ("jinja",), "/enterprises?q=%7B%25+x+%25%7D": ("block",),
    "/followups?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E": ("attr",),
    "/map?chain_segment=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E": ("script",),
    "/map/export.html?chain_segment=Z{{7*7}}Z": ("jinja",),
    "/stats?chain_segment=%7B%25+x+%25%7D": (),
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("url", RECORD_PAGES)
def test_record_pages(world, url, payload):
    url = url.format(**world.ids[payload])
    response = world.client.get(url)
    assert response.status_code == 200, url
    assert_safe(response.get_data(as_text=True), url, (payload,))


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages(world, url):
    response = world.client.get(url)
    assert response.status_code == 200, url
    assert_safe(response.get_data(as_text=True), url, LIST_PAGES[url])


def test_map_layer_names_are_escaped_text(world):
    """Each legacy segment is a layer named by its text, HTML-escaped once (Leaflet
    writes names with innerHTML)."""
    html = world.client.get("/map").get_data(as_text=True)
    assert "\\u0026quot;\\u0026gt;\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    assert "\\u0026lt;/script\\u0026gt;\\u0026lt;script\\u0026gt;alert(1)" in html


def test_cli_map(world, tmp_path):
    target = tmp_path / "map.html"
    result = world.app.test_cli_runner().invoke(args=["map", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert_safe(target.read_text(encoding="utf-8"), "zhaoshang map -o", ALL)


EXPORTS = ["enterprises", "projects", "followups", "docket", "jizhe"]


def _cells(data: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))
                for cell in row]
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return [str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
            for v in row if v is not None]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", EXPORTS)
def test_exports_hold_the_literal_text(world, kind, fmt):
    response = world.client.get(f"/export/{kind}.{fmt}")
    assert response.status_code == 200
    cells = _cells(response.data, fmt)
    assert not any(EVALUATED in c for c in cells)
    for key, text in PAYLOADS.items():
        assert any(text in c for c in cells), f"{kind}.{fmt}: {key} not exported as text"


@pytest.mark.parametrize("name", list(stats.TABLES))
def test_stats_exports(world, name):
    response = world.client.get(f"/stats/export/{name}.xlsx")
    assert response.status_code == 200
    cells = _cells(response.data, "xlsx")
    assert not any(EVALUATED in c for c in cells)
    if name == "segment":  # the legacy segments, as text
        assert all(any(text in c for c in cells) for text in PAYLOADS.values())


def test_import_preview(world):
    rows = [["项目名称", "落地市（州）", "产业链环节", "备注"]]
    rows += [[f"{text}导入", "长春市", text, text] for text in PAYLOADS.values()]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = world.client.post("/import", data={
        "kind": "projects", "file": (io.BytesIO(buffer.getvalue().encode()), "p.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_safe(html, "import preview", ALL)
    assert "产业链环节" in html  # each row is refused for its segment


# --- the exported map opened from disk, where no CSP applies -----------------------------

OPEN_EVERY_POPUP = """async () => {
    const groups = Object.keys(window)
        .filter(k => /^(project_cluster|point_layer)_[0-9a-f]+$/.test(k))
        .map(k => window[k]);
    let opened = 0;
    for (const group of groups) {
        for (const marker of group.getLayers()) {
            await new Promise(done => {
                group.zoomToShowLayer(marker, done);
                setTimeout(done, 2000);
            });
            marker.openPopup();
            opened += 1;
            await new Promise(done => setTimeout(done, 30));
        }
    }
    return opened;
}"""


def test_exported_map_from_disk_runs_no_payload(world, browser, tmp_path):
    html = world.client.get("/map/export.html").get_data(as_text=True)
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(locale="zh-CN")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def assert_clean(when: str) -> None:
        page.wait_for_timeout(300)  # an injected <img onerror> has fired by then
        injected = page.evaluate("""() => document.querySelectorAll('img[src="x"]').length
            + [...document.scripts].filter(s => s.text.trim() === 'alert(1)').length""")
        assert (dialogs, injected) == ([], 0), when
        assert errors == [], when

    try:
        page.goto(Path(path).as_uri())
        page.wait_for_selector(".leaflet-overlay-pane path")
        assert_clean("on opening (the layer control)")
        control = page.locator(".leaflet-control-layers")
        for text in PAYLOADS.values():  # the legacy segments, shown as text
            assert text in control.inner_text()
        boxes = control.locator("input[type=checkbox]")
        for i in range(boxes.count()):  # every layer on: enterprises and parks too
            if not boxes.nth(i).is_checked():
                boxes.nth(i).check()
        opened = page.evaluate(OPEN_EVERY_POPUP)
        assert opened >= 2 * len(PAYLOADS)  # the projects and the enterprises
        assert_clean("after opening every popup")
    finally:
        context.close()
