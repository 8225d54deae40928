"""Divisions and segments are read once per process and database (every list page
shows them); loading the seeds again refreshes the copy."""

from sqlmodel import select

from crm.models import Division
from crm.services import reference


def test_reference_lists_are_cached_until_the_seeds_are_loaded_again(db):
    changchun = next(d for d in reference.jilin_prefectures(db) if d.code == "220100")
    assert changchun.name == "长春市"
    stored = db.exec(select(Division).where(Division.code == "220100")).one()
    stored.name = "改名市"
    db.add(stored)
    db.commit()
    assert reference.division_names(db)["220100"] == "长春市"  # the process's copy
    changchun.name = "别动"  # a copy: changing it writes nothing
    db.commit()
    assert db.get(Division, "220100").name == "改名市"

    reference.seed_reference(db)  # seeds win, and the copy is read again
    assert reference.division_names(db)["220100"] == "长春市"
    assert [d.code for d in reference.counties_of(db, "220100")][:1] == ["220102"]
