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


def test_pairs_follow_the_rule_of_check():
    """The 查重 page's pairs are what ``check`` says of each name against the others."""
    from types import SimpleNamespace

    rows = [(1, "长春高新技术产业（集团）股份有限公司", None), (2, "长春高新", None),
            (3, "吉林省长光卫星技术有限公司", None), (4, "长光卫星技术有限公司", None),
            (5, "启明星辰信息技术集团股份有限公司", None), (6, "启明信息技术股份有限公司", None),
            (7, "白山远景精密仪器有限公司", "91220600MA0Y000001"),
            (8, "白山远景精密仪器股份有限公司", "91220600MA0Y000002"),
            (9, "通化第一制药有限公司", None), (10, "通化第二制药有限公司", None)]
    index = EnterpriseIndex.from_rows(
        SimpleNamespace(id=i, name=n, credit_code=c, deleted_at=None) for i, n, c in rows)
    pairs = index.pairs()
    assert [(a, b) for a, b, _ in pairs] == [(3, 4), (1, 2)]  # place only 95, short 92
    for a, b, score in pairs:
        assert [(m.key, m.score) for m in index.check(rows[b - 1][1], None, ignore_id=b)
                .similar] == [(a, score)]
