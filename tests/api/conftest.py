"""API clients: a test client that sends ``Authorization: Bearer <token>`` for a new
user of a role. Shared with tests/fuzz through tests/api/api_helpers.py."""

from __future__ import annotations

import pytest

from tests.api.api_helpers import ApiClient, token_for


@pytest.fixture
def api_as(app, make_user):
    """Factory: api_as('staff'), api_as('city', city_code='220300')."""

    def make(role: str = "staff", city_code: str | None = None) -> ApiClient:
        user = make_user(role, city_code)
        return ApiClient(app.test_client(), token_for(app, user), user)

    return make


@pytest.fixture
def api(api_as) -> ApiClient:
    return api_as("staff")
