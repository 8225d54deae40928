"""Helpers for API tests and the API fuzz tests."""

from __future__ import annotations

from crm.db import session_scope
from crm.models import User
from crm.services import users


def token_for(app, user: User) -> str:
    with app.app_context(), session_scope() as session:
        return users.create_token(session, user=session.merge(user), name="test")


class ApiClient:
    """Flask test client that adds the bearer header to every request."""

    def __init__(self, client, token: str, user: User):
        self.client, self.token, self.user = client, token, user
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, url: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return getattr(self.client, method)(url, headers=headers, **kwargs)

    def get(self, url, **kw):
        return self._call("get", url, **kw)

    def post(self, url, **kw):
        return self._call("post", url, **kw)

    def patch(self, url, **kw):
        return self._call("patch", url, **kw)

    def delete(self, url, **kw):
        return self._call("delete", url, **kw)


def make_enterprise(api: ApiClient, **fields) -> dict:
    body = {"name": "测试光电科技有限公司", **fields}
    r = api.post("/api/v1/enterprises", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def make_project(api: ApiClient, **fields) -> dict:
    body = {"name": "测试项目", **fields}
    r = api.post("/api/v1/projects", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()
