"""Fixtures of the import/export tests."""

import pytest


@pytest.fixture
def staff_user(db, make_user):
    return db.merge(make_user("staff", username="importer"))
