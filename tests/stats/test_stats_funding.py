"""到位资金 entries sum to the project's actual investment, audited, on every change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from crm import clock
from crm.models import AuditLog
from crm.services import funding, projects
from crm.services.errors import Forbidden, ValidationFailed


def proj(db, user, **kw):
    data = {"name": "资金项目", "city_code": "220100"} | kw
    return projects.create_project(session=db, data=data, user=user)


def test_arrivals_sum_to_actual_investment(db, staff):
    p = proj(db, staff, planned_investment_wan="10000", stage="signed")
    assert p.actual_investment_wan is None
    a = funding.add_arrival(session=db, project=p, user=staff,
                            data={"date": "2024-01-10", "amount_wan": "1200.50", "note": "首笔"})
    funding.add_arrival(session=db, project=p, user=staff,
                        data={"date": "2024-02-10", "amount_wan": "799.50"})
    assert p.actual_investment_wan == Decimal("2000.00")
    assert funding.arrived_total(db, p.id) == p.actual_investment_wan
    version = a.version
    funding.update_arrival(session=db, arrival=a, user=staff,
                           data={"amount_wan": "200.50", "version": version})
    assert p.actual_investment_wan == Decimal("1000.00")
    funding.delete_arrival(session=db, arrival=a, user=staff)
    assert p.actual_investment_wan == Decimal("799.50")
    funding.restore_arrival(session=db, arrival=a, user=staff)
    assert p.actual_investment_wan == Decimal("1000.00")
    changes = [e.changes for e in db.exec(select(AuditLog).where(
        AuditLog.object_type == "project", AuditLog.object_id == p.id).order_by(AuditLog.id))]
    assert {"actual_investment_wan": [None, 1200.5]} in changes
    assert {"actual_investment_wan": [2000.0, 1000.0]} in [
        {k: v for k, v in c.items() if k == "actual_investment_wan"} for c in changes]
    assert db.exec(select(AuditLog).where(AuditLog.object_type == "fundarrival")).first()


def test_existing_actual_investment_becomes_an_opening_entry(db, staff):
    p = proj(db, staff, actual_investment_wan="3000")
    funding.add_arrival(session=db, project=p, user=staff,
                        data={"date": "2024-05-01", "amount_wan": "500"})
    entries = sorted(funding.arrivals_of(db, p.id), key=lambda e: e.id)
    assert [e.amount_wan for e in entries] == [Decimal("3000.00"), Decimal("500.00")]
    assert entries[0].note == funding.OPENING_NOTE
    assert entries[0].date == p.created_at.date()
    assert p.actual_investment_wan == Decimal("3500.00")


@pytest.mark.parametrize("data, field", [
    ({"date": "", "amount_wan": "1"}, "date"),
    ({"date": "2024-13-01", "amount_wan": "1"}, "date"),
    ({"date": "tomorrow", "amount_wan": "1"}, "date"),  # computed when run, not collected
    ({"date": "2024-01-01", "amount_wan": ""}, "amount_wan"),
    ({"date": "2024-01-01", "amount_wan": "abc"}, "amount_wan"),
    ({"date": "2024-01-01", "amount_wan": "0"}, "amount_wan"),
    ({"date": "2024-01-01", "amount_wan": "-5"}, "amount_wan"),
    ({"date": "2024-01-01", "amount_wan": "1.234"}, "amount_wan"),
    ({"date": "2024-01-01", "amount_wan": "NaN"}, "amount_wan"),
])
def test_bad_arrivals_are_refused_in_chinese(db, staff, data, field):
    p = proj(db, staff)
    if data["date"] == "tomorrow":
        data = {**data, "date": (clock.today() + timedelta(days=1)).isoformat()}
    with pytest.raises(ValidationFailed) as exc:
        funding.add_arrival(session=db, project=p, user=staff, data=data)
    assert field in exc.value.fields
    assert "：" in exc.value.fields[field]


def test_city_user_records_funds_only_in_their_city(db, staff, make_user):
    city = db.merge(make_user("city", city_code="220200"))
    other = proj(db, staff)
    with pytest.raises(Forbidden):
        funding.add_arrival(session=db, project=other, user=city,
                            data={"date": "2024-01-01", "amount_wan": "1"})
    mine = proj(db, staff, city_code="220200")
    funding.add_arrival(session=db, project=mine, user=city,
                        data={"date": "2024-01-01", "amount_wan": "1"})
    assert mine.actual_investment_wan == Decimal("1.00")
