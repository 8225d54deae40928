"""The record registry (crm.records): every type has every page, API route and
export; and a type declared only here gets them all without view code."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import lxml.html
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, select

from crm import create_app, records
from crm.db import get_engine, session_scope
from crm.generic import PAGES
from crm.models import AuditLog
from crm.models.base import RecordMixin
from crm.queries import ListFilters
from crm.records import REGISTRY, RecordType
from crm.records import projects as projects_record
from crm.records.columns import ListColumn, page_columns
from crm.services import exporting, reference, users
from crm.services.plain import PlainService
from crm.tabular.writers import Column
from tests.api.api_helpers import ApiClient, token_for
from tests.conftest import BACKEND, PASSWORD, base_config, fresh_database_url, login

API_ACTIONS = {"list": ("", "GET"), "create": ("", "POST"), "get": ("/<int:obj_id>", "GET"),
               "update": ("/<int:obj_id>", "PATCH"), "delete": ("/<int:obj_id>", "DELETE"),
               "restore": ("/<int:obj_id>/restore", "POST")}


def check_type_is_complete(app, rt: RecordType) -> None:
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for page, (path, methods) in PAGES.items():
        rule = rules.get(f"{rt.name}.{page}")
        assert rule is not None, (rt.name, page)
        assert rule.rule == f"/{rt.name}" + path.format(id=f"int:{rt.id_arg}").replace(
            "<int:int:", "<int:"), (rt.name, page)
        assert set(methods) <= rule.methods
    for action, (path, method) in API_ACTIONS.items():
        rule = rules.get(f"api.{rt.name}_{action}")
        assert rule is not None and rule.rule == f"/api/v1/{rt.name}{path}", (rt.name, action)
        assert method in rule.methods
    # one declaration of columns: the export's, of which the list page shows some
    assert exporting.get_kind(rt.name).columns is rt.columns
    check_page_columns(rt.page_columns, rt.columns, rt.filters)
    assert exporting.get_kind(rt.name).filters is rt.filters
    assert set(rt.vocabularies) <= set(rt.labels), rt.name


def check_page_columns(page: list, export: list, filters) -> None:
    """Every page column is an export column (key and header), in the export's order;
    sort keys are the filter's."""
    assert page, "a list page shows at least one column"
    assert all(isinstance(c, ListColumn) for c in page)
    keys = [c.key for c in export]
    assert [c.key for c in page if c.key not in keys] == []
    assert all(export[keys.index(c.key)].header == c.header for c in page)
    at = [keys.index(c.key) for c in page]
    assert at == sorted(at), [c.key for c in page]
    assert all(c.sort in filters.SORTS for c in page if c.sort), [c.sort for c in page]


def _list_table(html: str):
    return lxml.html.fromstring(html).xpath('//table[contains(@class, "list-table")]')[0]


def list_headers(html: str) -> list[tuple[str, str, bool]]:
    """(data-column, text, is a sort link) of the list table's headers, the recycle
    bin's empty restore column left out."""
    table = _list_table(html)
    for mark in table.xpath('./thead//span[contains(@class, "sort-mark")]'):
        mark.drop_tree()  # ⇅ ▲ ▼: the sort state, not the header's words
    heads = table.xpath("./thead//th")
    return [(th.get("data-column"), th.text_content().strip(),
             bool(th.xpath('.//a[contains(@class, "sort-link")]')))
            for th in heads if th.get("data-column")]


def row_cells(html: str) -> list[int]:
    return [len(tr.xpath("./td")) for tr in _list_table(html).xpath("./tbody/tr[@data-id]")]


def test_each_list_page_shows_its_declared_page_columns(
        app, client_as, make_enterprise, make_project, make_followup):
    """The rendered headers are the declared page columns (sort links where declared
    sortable), each row has a cell per header, and the export adds only declared extras."""
    client = client_as("staff")
    ent = make_enterprise(client.user, jizhe=True)
    big = make_project(client.user, enterprise_id=ent.id, planned_investment_wan=Decimal("200000"))
    make_followup(client.user, project_id=big.id, next_step="上会", next_due="2026-01-06")
    pages = {rt.name: (f"/{rt.name}", rt.page_columns, rt.columns) for rt in REGISTRY.values()}
    docket = exporting.get_kind("docket")
    pages["docket"] = ("/case-by-case", page_columns(docket.columns), docket.columns)
    for name, (url, page, export) in pages.items():
        html = client.get(url).get_data(as_text=True)
        heads = list_headers(html)
        assert heads == [(c.key, c.title, bool(c.sort) and name != "docket") for c in page], name
        assert row_cells(html) and set(row_cells(html)) == {len(page)}, name
        assert len(export) > len(page), name  # the export holds more than the page shows
        check_page_columns(page, export, projects_record.PROJECTS.filters
                           if name == "docket" else REGISTRY[name].filters)
    # what the cells show: links, badges, amounts, names
    projects_html = client.get("/projects").get_data(as_text=True)
    assert f'href="/projects/{big.id}"' in projects_html
    assert f'href="/enterprises/{ent.id}"' in projects_html
    assert 'data-flag="case_by_case"' in projects_html and "20.00 亿元" in projects_html
    assert "长春市" in projects_html and 'class="light light-' in projects_html
    followups_html = client.get("/followups").get_data(as_text=True)
    assert f'href="/projects/{big.id}"' in followups_html and "text-danger" in followups_html
    assert 'data-flag="jizhe"' in client.get("/enterprises").get_data(as_text=True)


def test_a_column_names_a_known_cell_renderer():
    with pytest.raises(ValueError, match="unknown cell renderer"):
        ListColumn("name", "名称", cell="nonesuch")


def test_every_registered_type_has_every_page_api_route_and_export(app):
    assert {"enterprises", "projects", "followups"} <= set(REGISTRY)
    for rt in REGISTRY.values():
        check_type_is_complete(app, rt)
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    for rt in REGISTRY.values():
        assert {"get", "post"} <= set(doc["paths"][f"/api/v1/{rt.name}"])


# --- a type declared only in this test ---------------------------------------------------

COLORS = {"red": "红色", "blue": "蓝色"}
LABELS = {"name": "名称", "color": "颜色", "notes": "备注", "version": "版本"}
test_tables = registry()  # not SQLModel.metadata: the app's migrations know nothing of it


class ScratchRecord(RecordMixin, registry=test_tables):
    """Records of this module's tables (an abstract base, as SQLModel makes it)."""


class Widget(ScratchRecord, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
    color: str = Field(default="red", max_length=20)
    notes: str = Field(default="", max_length=200)


class WidgetCreate(SQLModel):
    name: str = Field(max_length=50)
    color: str = "red"
    notes: str = ""


class WidgetUpdate(SQLModel):
    name: str | None = None
    color: str | None = None
    notes: str | None = None
    version: int | None = None


class WidgetPublic(SQLModel):
    id: int
    name: str
    color: str
    notes: str
    version: int
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass
class WidgetFilters(ListFilters):
    color: str | None = None

    LABELS = {"q": "关键词", "deleted": "已删除", "color": "颜色"}
    VOCABS = {"color": COLORS}

    def select(self):
        stmt = self._live(select(Widget), Widget)
        if self.color:
            stmt = stmt.where(Widget.color == self.color)
        return self.order(stmt, Widget)


service = PlainService(Widget, WidgetCreate, WidgetUpdate, LABELS, "部件", {"color": COLORS})
WIDGETS = RecordType(
    name="widgets", label="部件", model=Widget, create_schema=WidgetCreate,
    update_schema=WidgetUpdate, public_schema=WidgetPublic, labels=LABELS,
    vocabularies={"color": COLORS}, filters=WidgetFilters,
    columns=[Column("name", "名称"), Column("color", "颜色"), Column("notes", "备注")],
    get=service.get, create=service.create, update=service.update, delete=service.delete,
    restore=service.restore, id_arg="widget_id")


@pytest.fixture
def widget_app(template_db, tmp_path):
    records.register(WIDGETS)  # before the app is made: its pages and API come with it
    try:
        app = create_app(base_config(fresh_database_url(template_db, tmp_path), tmp_path))
        engine = get_engine(app)
        Widget.metadata.create_all(engine)
        with app.app_context(), session_scope() as session:
            if BACKEND == "postgresql":
                reference.seed_reference(session)
            user = users.create_user(session, username="widgeteer", password=PASSWORD,
                                     role="staff")
            session.expunge(user)
        app.widget_user = user
        yield app
        Widget.metadata.drop_all(engine)
        engine.dispose()
    finally:
        records.unregister("widgets")


def _sheet(response):
    assert response.status_code == 200, response.data[:300]
    return load_workbook(io.BytesIO(response.data)).active


def test_a_declared_type_gets_pages_api_and_export_without_view_code(widget_app):
    check_type_is_complete(widget_app, WIDGETS)
    web = widget_app.test_client()
    assert login(web, "widgeteer").status_code == 302

    page = web.get("/widgets")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(f'data-column="{c.key}">{c.header}</th>' in html for c in WIDGETS.columns)
    assert list_headers(html) == [(c.key, c.header, False) for c in WIDGETS.columns]
    assert web.get("/widgets/new").status_code == 200
    refused = web.post("/widgets/new", data={"name": "", "color": "green"})
    assert refused.status_code == 422
    assert "名称：必填" in refused.get_data(as_text=True)
    made = web.post("/widgets/new", data={"name": "甲部件", "color": "blue", "notes": "n"})
    assert made.status_code == 302 and made.headers["Location"] == "/widgets/1"
    detail = web.get("/widgets/1").get_data(as_text=True)
    assert "甲部件" in detail and "蓝色" in detail
    assert "甲部件" in web.get("/widgets").get_data(as_text=True)

    assert web.get("/widgets/1/edit").status_code == 200
    saved = web.post("/widgets/1/edit", data={"name": "乙部件", "color": "red", "notes": "n",
                                                 "version": "1"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/widgets/1"
    cleared = web.post("/widgets/1/edit", data={"name": "", "color": "red", "version": "2"})
    assert cleared.status_code == 422 and "名称：必填" in cleared.get_data(as_text=True)
    stale = web.post("/widgets/1/edit", data={"name": "丙部件", "color": "red", "version": "1"})
    assert stale.status_code == 409 and "数据冲突" in stale.get_data(as_text=True)
    history = web.get("/widgets/1/history").get_data(as_text=True)
    # the declaration's words reach the history: 颜色 蓝色 → 红色, never blue/red
    assert "乙部件" in history and "颜色" in history and "蓝色" in history
    assert "blue" not in history

    assert web.post("/widgets/1/delete").status_code == 302
    assert web.get("/widgets").get_data(as_text=True).count('data-id="1"') == 0
    assert 'data-id="1"' in web.get("/widgets?deleted=1").get_data(as_text=True)
    assert web.post("/widgets/1/restore").headers["Location"] == "/widgets/1"

    ws = _sheet(web.get("/export/widgets.xlsx?color=red"))
    assert ws["A1"].value.startswith("部件列表　筛选条件：颜色：红色")
    assert [c.value for c in ws[2]] == [c.header for c in WIDGETS.columns]
    assert [list(r) for r in ws.iter_rows(min_row=3, values_only=True)] == [
        ["乙部件", "红色", "n"]]

    api = ApiClient(widget_app.test_client(),
                    token_for(widget_app, widget_app.widget_user), widget_app.widget_user)
    listed = api.get("/api/v1/widgets?color=red").get_json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "乙部件"
    created = api.post("/api/v1/widgets", json={"name": "丁部件", "color": "蓝色"})
    assert created.status_code == 201 and created.get_json()["color"] == "blue"
    assert api.post("/api/v1/widgets", json={"name": "戊", "color": "绿"}).status_code == 422
    patched = api.patch("/api/v1/widgets/1", json={"notes": "改", "version": 1})
    assert patched.status_code == 409
    assert api.delete("/api/v1/widgets/2").status_code == 204
    assert api.post("/api/v1/widgets/2/restore").status_code == 200
    doc = json.loads(widget_app.test_client().get("/api/v1/openapi.json").data)
    assert {"get", "patch", "delete"} <= set(doc["paths"]["/api/v1/widgets/{obj_id}"])
    assert doc["components"]["schemas"]["WidgetCreate"]["properties"]["color"]["enum"] == [
        "red", "blue", "红色", "蓝色"]

    with widget_app.app_context(), session_scope() as session:
        actions = session.exec(select(AuditLog.action).where(
            AuditLog.object_type == "widget")).all()
    assert {"create", "update", "delete", "restore"} <= set(actions)


def test_a_test_type_leaves_the_registry_as_it_was(app):
    assert "widgets" not in REGISTRY and "widgets" not in exporting.KINDS
    assert not any(r.rule.startswith("/widgets") for r in app.url_map.iter_rules())
