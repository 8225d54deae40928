"""The 一事一议 docket's list is a filter class of its own (crm.queries.DocketFilters):
its case status filters it, an unknown one filters nothing, and it lists the largest
planned investment first."""

from __future__ import annotations

from decimal import Decimal

from crm import queries
from crm.services import projects


def test_docket_filters_by_status_in_its_own_order(db, staff, make_project):
    made = {wan: make_project(staff, name=f"大项目{wan}", planned_investment_wan=Decimal(wan))
            for wan in (150000, 300000, 200000)}
    projects.set_case_status(session=db, project=db.merge(made[200000]), status="consulting",
                             notes=None, user=staff)
    db.commit()

    def names(**args):
        flt = queries.DocketFilters.from_args(args | {"case_by_case": "1"})
        return [p.name for p in queries.list_page(db, flt).items]

    assert names() == ["大项目300000", "大项目200000", "大项目150000"]
    assert names(case_status="consulting") == ["大项目200000"]
    assert names(case_status="nonsense") == names()  # unknown: no filter, no link
    assert "case_status" not in queries.DocketFilters.from_args({"case_status": "x"}).to_args()
    assert names(sort="name")[0] == "大项目150000"
