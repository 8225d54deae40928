"""EnterpriseIndex answers a name outside its primed column as one primed would."""

from crm.services import enterprises
from crm.services.dedupe import EnterpriseIndex


def test_unprimed_and_primed_names_get_the_same_verdict(db, staff):
    stored = enterprises.create_enterprise(session=db, user=staff,
                                           data={"name": "白山远景精密仪器股份有限公司"})
    near, exact = "白山远景精密仪器制造有限公司", "白山远景精密仪器有限公司"
    alone = EnterpriseIndex(db)  # no prime: each name looked up on its own
    primed = EnterpriseIndex(db)
    primed.prime([near, exact])
    for index in (alone, primed):
        verdict = index.check(near, None)
        assert verdict.exact is None and [m.key for m in verdict.similar] == [stored.id]
        assert index.check(exact, None).exact.id == stored.id
        assert index.check("", None).similar == []
        assert index.check("杭州海康威视数字技术", None).similar == []
