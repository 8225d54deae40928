"""Hypothesis against the web forms and the services behind them.

* Random form posts to /projects/new and /enterprises/new (and the edit forms):
  the answer is a page, a redirect or a 422 with messages — never a 5xx.
* Random dicts straight into create_project / create_enterprise / create_followup /
  update_project: they succeed or raise ValidationFailed, never anything else.
* After each run nothing stored breaks a rule (tests/fuzz/fuzz_invariants.py):
  valid stages, non-negative amounts, case_by_case == rules.is_case_by_case, …

ZHAOSHANG_FUZZ_FORM_EXAMPLES sets examples per test (default 40).
"""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm import rules
from crm.db import get_session, session_scope
from crm.services import enterprises, followups, projects
from crm.services.errors import Forbidden, ValidationFailed, VersionConflict
from tests.fuzz.fuzz_invariants import counts, stored_garbage

EXAMPLES = int(os.environ.get("ZHAOSHANG_FUZZ_FORM_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

# --- strategies: the values a person (or a script) might type ----------------------------

def vocab(v: dict) -> st.SearchStrategy:
    """A stored code or its Chinese label (both are accepted)."""
    return st.sampled_from([str(k) for k in v] + list(v.values()))


junk_text = st.text(max_size=40) | st.text(st.characters(codec="utf-8"), max_size=300)
junk = st.one_of(junk_text, st.sampled_from(
    ["", " ", "-1", "1e400", "NaN", "0x10", "１２３", "2024-02-30", "\x00", "'; drop table x;--",
     "<script>", "x" * 5000, str(2**70)]))
amount = st.one_of(
    st.sampled_from(["99999.99", "100000", "100000.01", "99999.995", "0", "120000", "0.01",
                     " 5000 ", ""]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0,
                max_value=Decimal("200000")).map(str))
jilin_city = st.sampled_from(["220100", "220200", "220300", "220400", "220500", "220600",
                              "220700", "220800", "222400", ""])
coordinate_lon = st.floats(min_value=121.6, max_value=131.3).map(lambda x: f"{x:.5f}")
coordinate_lat = st.floats(min_value=40.8, max_value=46.3).map(lambda x: f"{x:.5f}")
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=60)


@st.composite
def form_input(draw, required: dict, optional: dict):
    """Mostly sensible input with up to three fields replaced by junk: enough of it is
    valid to reach the database, and every field gets junk some of the time."""
    data = draw(st.fixed_dictionaries(required, optional=optional))
    names = sorted(required | optional)
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        data[name] = draw(junk)
    return data


PROJECT_REQUIRED = {
    "name": st.sampled_from(["光电子器件项目", "半导体激光雷达产业化", "配套园区"]),
    "project_class": vocab(rules.PROJECT_CLASSES),
    "stage": st.sampled_from(["lead", "contact", "visit", "线索", "签约"]),
}
PROJECT_OPTIONAL = {
    "city_code": jilin_city, "county_code": st.just(""), "park_id": st.just(""),
    "enterprise_id": st.just(""), "chain_segment": st.sampled_from(["", "高端芯片", "汽车电子"]),
    "cooperation_form": vocab(rules.COOPERATION_FORMS) | st.just(""),
    "attraction_mode": vocab(rules.ATTRACTION_MODES) | st.just(""),
    "stage_reason": text, "planned_investment_wan": amount, "actual_investment_wan": amount,
    "source_province": st.sampled_from(["浙江省", "浙江", "广东省", ""]),
    "source_city": st.sampled_from(["杭州市", "宁波市", ""]), "introducer": text,
    "owner_id": st.just(""), "responsible_unit": text, "lon": coordinate_lon,
    "lat": coordinate_lat, "notes": text,
}
# numbered names (their numbers differ, so they are not each other's duplicates)
ENTERPRISE_REQUIRED = {"name": st.builds("{}{}号{}".format,
                                         st.sampled_from(["长春光电科技", "杭州芯片"]),
                                         st.integers(1, 10**6),
                                         st.sampled_from(["有限公司", "股份公司"])),
                       "kind": vocab(rules.ENTERPRISE_KINDS),
                       "priority": st.sampled_from(["1", "2", "3"])}
ENTERPRISE_OPTIONAL = {
    "credit_code": st.sampled_from(["", "91330106MA27XF7K5W", "91110000ABCDEFGHIJ"]),
    "province": st.sampled_from(["浙江省", "浙江", "吉林省", ""]),
    "city": st.sampled_from(["杭州市", "长春市", ""]), "chain_segment": st.just(""),
    "is_key_target": st.sampled_from(["y", ""]), "revenue_wan": amount,
    "owner_id": st.just(""), "lon": coordinate_lon, "lat": coordinate_lat, "notes": text,
    "contacts-0-name": text, "contacts-0-phone": text, "contacts-1-name": text,
    "contacts-1-email": text,
}
FOLLOWUP_REQUIRED = {"kind": vocab(rules.FOLLOWUP_KINDS), "date": st.dates().map(str),
                     "summary": st.sampled_from(["电话沟通", "实地考察"]) | text}
FOLLOWUP_OPTIONAL = {"next_due": st.dates().map(str) | st.just(""), "participants": text,
                     "next_step": text, "done": st.booleans()}


def assert_clean(app) -> dict:
    with app.app_context(), session_scope() as session:
        garbage = stored_garbage(session)
        stored = counts(session)
    assert not garbage, "\n".join(garbage)
    return stored


# --- web forms ------------------------------------------------------------------------

def test_project_form_fuzz(app, staff_client):
    assert staff_client.get("/projects/new").status_code == 200
    created = []

    statuses: dict[int, int] = {}

    @FUZZ
    @given(data=form_input(PROJECT_REQUIRED, PROJECT_OPTIONAL))
    def post(data):
        r = staff_client.post("/projects/new", data=data)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code in (200, 302, 400, 403, 422), (r.status_code, data)
        if r.status_code == 302:
            created.append(r.headers["Location"])

    post()
    stored = assert_clean(app)
    print("project form:", statuses, stored)
    assert stored["projects"] == len(created) > 0


def test_project_edit_form_fuzz(app, staff_client):
    with app.app_context(), session_scope() as session:
        p = projects.create_project(session=session, user=session.merge(staff_client.user),
                                    data={"name": "待编辑项目", "city_code": "220100"})
        edit_url = f"/projects/{p.id}/edit"
    assert staff_client.get(edit_url).status_code == 200

    statuses: dict[int, int] = {}

    @FUZZ
    @given(data=form_input(PROJECT_REQUIRED, PROJECT_OPTIONAL | {"version": st.just("")}))
    def post(data):
        r = staff_client.post(edit_url, data=data)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code in (200, 302, 400, 403, 409, 422), (r.status_code, data)

    post()
    stored = assert_clean(app)
    print("project edit form:", statuses, stored)


def test_enterprise_form_fuzz(app, staff_client):
    assert staff_client.get("/enterprises/new").status_code == 200

    statuses: dict[int, int] = {}

    @FUZZ
    @given(data=form_input(ENTERPRISE_REQUIRED, ENTERPRISE_OPTIONAL))
    def post(data):
        r = staff_client.post("/enterprises/new", data=data)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        # 409: the form again, the name near a stored one (仍然新建 to confirm)
        assert r.status_code in (200, 302, 400, 403, 409, 422), (r.status_code, data)

    post()
    stored = assert_clean(app)
    print("enterprise form:", statuses, stored)
    assert statuses.get(302)


# --- services directly (imports and the CLI call these too) -------------------------------

def call_service(fn, **kwargs):
    """Success, or a service error (422 with Chinese field messages, 403, 409); nothing else."""
    session = kwargs["session"]
    try:
        return fn(**kwargs)
    except ValidationFailed as exc:
        session.rollback()
        assert exc.fields and all(isinstance(m, str) and m for m in exc.fields.values())
    except (Forbidden, VersionConflict):
        session.rollback()
    return None


any_value = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), junk,
                      st.lists(st.integers(), max_size=2),
                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def service_input(draw, required: dict, optional: dict):
    """Like form_input, but junk of any Python type (imports and scripts call services)."""
    data = draw(st.fixed_dictionaries(required, optional=optional))
    data = {k.split("-")[0]: v for k, v in data.items() if "-" not in k}
    for name in draw(st.lists(st.sampled_from(sorted(required | optional)), max_size=3,
                              unique=True)):
        data[name.split("-")[0]] = draw(any_value)
    return data


def test_services_fuzz(app, db, staff):
    line = rules.DEFAULT_CASE_BY_CASE_LINE_WAN

    @FUZZ
    @given(project=service_input(PROJECT_REQUIRED, PROJECT_OPTIONAL),
           enterprise=service_input(ENTERPRISE_REQUIRED, ENTERPRISE_OPTIONAL),
           followup=service_input(FOLLOWUP_REQUIRED, FOLLOWUP_OPTIONAL),
           edit=service_input({}, PROJECT_REQUIRED | PROJECT_OPTIONAL | {"version": any_value}))
    def run(project, enterprise, followup, edit):
        ent = call_service(enterprises.create_enterprise, session=db, user=staff,
                           data=enterprise)
        p = call_service(projects.create_project, session=db, user=staff, data=project)
        if p is not None:
            assert p.case_by_case == rules.is_case_by_case(p.planned_investment_wan, line)
            assert p.stage in rules.STAGES
            call_service(projects.update_project, session=get_session(), user=staff,
                         project=p, data=edit)
            followup = {**followup, "project_id": p.id}
        elif ent is not None:
            followup = {**followup, "enterprise_id": ent.id}
        call_service(followups.create_followup, session=db, user=staff, data=followup)

    run()
    stored = assert_clean(app)
    print("services:", stored)
    assert stored["projects"] > 0 and stored["followups"] > 0  # enough was good to store
