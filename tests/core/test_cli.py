"""The zhaoshang command group through Click's runner, on the test database."""

from sqlmodel import func, select

from crm.db import session_scope
from crm.models import Division, Enterprise, Project


def test_init_is_idempotent(runner):
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0


def test_seed_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    with app.app_context(), session_scope() as s:
        before = s.exec(select(func.count()).select_from(Division)).one()
    assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context(), session_scope() as s:
        assert s.exec(select(func.count()).select_from(Division)).one() == before
        codes = {d.code for d in s.exec(select(Division).where(Division.level == "prefecture"))}
    assert {"220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800",
            "222400"} <= codes
    assert len([c for c in codes if c.startswith("33")]) == 11


def test_demo_is_marked_and_spread(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as s:
        projects = s.exec(select(Project)).all()
        assert len(projects) >= 300
        assert all(p.is_demo and p.name.startswith("【演示】") for p in projects)
        assert len({p.city_code for p in projects}) == 9
        assert len({p.stage for p in projects}) == 9
        assert len({p.attraction_mode for p in projects}) == 6
        assert any(p.case_by_case for p in projects) and any(p.jizhe for p in projects)
        demo_ents = s.exec(select(Enterprise).where(Enterprise.is_demo.is_(True))).all()
        assert all(e.name.startswith("【演示】") for e in demo_ents)
    again = runner.invoke(args=["demo"])
    assert "projects 0" in again.output


def test_user_and_token_create(app, runner, monkeypatch):
    monkeypatch.setenv("ZHAOSHANG_PASSWORD", "Str0ng-Passw0rd")
    result = runner.invoke(args=["user", "create", "li", "--role", "city", "--city", "220300"])
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["user", "create", "wang", "--role", "staff"],
                         env={"ZHAOSHANG_PASSWORD": "short"})
    assert weak.exit_code != 0 and "密码" in weak.output
    token = runner.invoke(args=["token", "create", "li"])
    assert token.exit_code == 0 and token.output.strip().startswith("zs_")
