"""Who may see and change what. Pages, the API, exports and the CLI ask here.

admin  用户与设置，以及 staff 的一切
staff  读写全部业务数据
city   读全部；只改落地在本市（州）的项目及其跟进记录
viewer 只读
"""

from __future__ import annotations

from crm.models import Enterprise, FollowUp, Project, User
from crm.services.errors import Forbidden

EDIT_ALL_ROLES = {"admin", "staff"}


def is_admin(user: User | None) -> bool:
    return bool(user) and user.role == "admin"


def can_view_record(user: User | None, obj) -> bool:
    """Every signed-in, active user reads every record (see above); the one place to
    narrow it, for the record and what hangs on it (attachments)."""
    return bool(user) and bool(getattr(user, "is_active", False)) and obj is not None


def can_edit_enterprise(user: User | None) -> bool:
    return bool(user) and user.role in EDIT_ALL_ROLES


ANY_CITY = object()  # can_create_project's "some project, city not yet chosen"


def can_create_project(user: User | None, city_code=ANY_CITY) -> bool:
    """A city official only in their own 市（州）: a project without a city would be
    one they could no longer edit (rules.city_bound_project_city fills it in first)."""
    if not user:
        return False
    if user.role in EDIT_ALL_ROLES:
        return True
    return user.role == "city" and (city_code is ANY_CITY or city_code == user.city_code)


def can_edit_project(user: User | None, project: Project) -> bool:
    if not user:
        return False
    if user.role in EDIT_ALL_ROLES:
        return True
    return user.role == "city" and project.city_code == user.city_code


def can_edit_followup(user: User | None, followup: FollowUp, project: Project | None) -> bool:
    if not user:
        return False
    if user.role in EDIT_ALL_ROLES:
        return True
    return user.role == "city" and project is not None and project.city_code == user.city_code


def home_city(user: User | None) -> str | None:
    """A city official's own 市/州: the default view of maps, statistics and forms
    (they may still look province-wide); None for everyone else."""
    if getattr(user, "role", None) == "city":  # anonymous users have no role
        return user.city_code
    return None


def can_write_anything(user: User | None) -> bool:
    return bool(user) and user.role in EDIT_ALL_ROLES | {"city"}


def require(allowed: bool, message: str = "您没有权限执行此操作。") -> None:
    if not allowed:
        raise Forbidden(message)


def can_edit(user: User | None, obj, project: Project | None = None) -> bool:
    """One entry point for templates."""
    if isinstance(obj, Enterprise):
        return can_edit_enterprise(user)
    if isinstance(obj, Project):
        return can_edit_project(user, obj)
    if isinstance(obj, FollowUp):
        return can_edit_followup(user, obj, project)
    return False
