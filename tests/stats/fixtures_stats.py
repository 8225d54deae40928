"""A small hand-counted set of projects, built through the services (see test_stats_numbers)."""

from crm.services import funding, projects


def build(db, user):
    """Seven projects; the expected numbers are counted by hand in test_stats_numbers.py."""

    def new(name, **kw):
        return projects.create_project(session=db, data={"name": name} | kw, user=user)

    def move(p, *stages, reason=""):
        for stage in stages:
            projects.move_stage(session=db, project=p, to_stage=stage, reason=reason, user=user)

    p1 = new("P1", city_code="220100", chain_segment="高端芯片", attraction_mode="professional",
             cooperation_form="investment", planned_investment_wan="1000")
    p2 = new("P2", city_code="220100", chain_segment="高端芯片", attraction_mode="business",
             cooperation_form="factory", planned_investment_wan="2000", stage="negotiation")
    move(p2, "signed")
    p3 = new("P3", city_code="220200", chain_segment="集成电路", attraction_mode="professional",
             cooperation_form="investment", planned_investment_wan="3000")
    move(p3, "signed", "started")
    p4 = new("P4", city_code="220200", chain_segment="集成电路", attraction_mode="jizhe",
             cooperation_form="investment", planned_investment_wan="120000",
             source_province="浙江省", source_city="杭州市", stage="signed")
    move(p4, "started", "producing")
    p5 = new("P5", city_code="220100", planned_investment_wan="500", stage="dropped",
             stage_reason="企业放弃")
    p6 = new("P6", city_code="220100", chain_segment="集成电路", planned_investment_wan="100000",
             source_province="浙江", source_city="杭州市", stage="paused", stage_reason="等待")
    projects.set_case_status(session=db, project=p6, status="consulting", notes="", user=user)
    p7 = new("P7", city_code="220100", chain_segment="高端芯片", planned_investment_wan="800",
             stage="signed")
    move(p7, "dropped", reason="未履约")
    funding.add_arrival(session=db, project=p3, user=user,
                        data={"date": "2024-03-15", "amount_wan": "1000"})
    funding.add_arrival(session=db, project=p3, user=user,
                        data={"date": "2024-04-01", "amount_wan": "500"})
    funding.add_arrival(session=db, project=p4, user=user,
                        data={"date": "2024-04-20", "amount_wan": "60000"})
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6, "p7": p7}
