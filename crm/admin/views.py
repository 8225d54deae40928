"""The admin area: users, the 一事一议 line, the audit trail and the 回收站.

Who may do what here (the role matrix test holds these):
- users and settings: admin only;
- the audit page and the 回收站 overview: admin and staff. Staff (province
  departments) supervise the cities' work and restore what they deleted, so they
  read the trail; city and viewer users do not (the trail holds every city's
  negotiation changes and the login addresses of all users).
Nothing here edits or deletes an audit row; there is no route that could.
"""

from __future__ import annotations

from datetime import UTC
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from crm import rules, security
from crm.admin import auditlog
from crm.admin.forms import ActionForm, CaseByCaseLineForm, ResetPasswordForm, UserCreateForm
from crm.db import get_session
from crm.models import Enterprise, FollowUp, Project, User
from crm.models.base import utcnow
from crm.queries import list_page
from crm.services import audit, logins, reference, users
from crm.services import projects as project_service
from crm.services.errors import ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_READERS = {"admin", "staff"}
TRASH_LIMIT = 200


def roles_required(*roles: str):
    """Logged in (else to the login page) and one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("admin")


def _aware(at):
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _get_user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _city_names(session) -> dict[str, str]:
    return {d.code: d.name for d in reference.jilin_prefectures(session)}


def _city_choices(session) -> list[SelectChoice]:
    return [SelectChoice("", "（无）")] + [SelectChoice(code, name)
                                          for code, name in _city_names(session).items()]


def _put_errors(form, exc: ValidationFailed) -> None:
    for field, message in exc.fields.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "danger")


# --- users --------------------------------------------------------------------------

@bp.route("")
@admin_required
def index():
    session = get_session()
    people = users.list_users(session)
    now = utcnow()
    address_locks = logins.address_locks(session)
    return render_template(
        "admin/index.html",
        users=people,
        locked={u.id for u in people if u.locked_until and _aware(u.locked_until) > now},
        address_locks=address_locks,
        address_locked={lock.username for lock in address_locks},
        auditlog=auditlog,
        cities=_city_names(session),
        line=project_service.case_by_case_line_wan(session),
        action_form=ActionForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_create():
    session = get_session()
    form = UserCreateForm()
    form.city_code.choices = _city_choices(session)
    if form.validate_on_submit():
        try:
            user = users.create_user(
                session, username=form.username.data, password=form.password.data,
                role=form.role.data, city_code=form.city_code.data or None,
                display_name=form.display_name.data or "", actor=current_user)
        except ValidationFailed as exc:
            session.rollback()
            _put_errors(form, exc)
        else:
            flash(f"已新建用户 {user.username}（{rules.ROLES[user.role]}）。", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_set_active(user_id: int):
    """Disable or enable (users are never deleted). Body: active=1|0."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    user = _get_user(user_id)
    active = request.form.get("active") == "1"
    try:
        users.set_active(get_session(), user=user, active=active, actor=current_user)
    except ValidationFailed as exc:
        get_session().rollback()
        flash("；".join(exc.fields.values()), "danger")
    else:
        flash(f"已{'启用' if active else '停用'}用户 {user.username}。", "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def user_reset_password(user_id: int):
    user = _get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(
                get_session(), user=user, new=form.new_password.data, actor=current_user,
                keep_session_key=security.current_session_key()
                if user.id == current_user.id else None)
        except ValidationFailed as exc:
            get_session().rollback()
            _put_errors(form, exc)
        else:
            flash(f"已重置用户 {user.username} 的密码（并解除锁定、结束其登录会话、"
                  "撤销其 API 令牌）。", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def user_unlock(user_id: int):
    """Lift the login locks of an account, at every address."""
    if not ActionForm().validate_on_submit():
        abort(400)
    user = _get_user(user_id)
    session = get_session()
    logins.unlock(session, user=user)
    audit.record(session, user=current_user, action="user", obj=user,
                 summary=f"解除用户 {user.username} 的登录锁定")
    session.commit()
    flash(f"已解除用户 {user.username} 的登录锁定。", "success")
    return redirect(url_for("admin.index"))


# --- settings -----------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    session = get_session()
    line = project_service.case_by_case_line_wan(session)
    form = CaseByCaseLineForm()
    if request.method == "GET":
        form.line_wan.data = line
    if form.validate_on_submit():
        try:
            changed = project_service.set_case_by_case_line(
                session=session, line_wan=form.line_wan.data, user=current_user)
        except ValidationFailed as exc:
            session.rollback()
            _put_errors(form, exc)
        else:
            flash(f"一事一议标准已保存；{changed} 个项目的一事一议标记随之变化。", "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, line=line,
                           default=rules.DEFAULT_CASE_BY_CASE_LINE_WAN)


# --- audit trail (read-only) --------------------------------------------------------

@bp.route("/audit", endpoint="audit")
@roles_required(*AUDIT_READERS)
def audit_log():
    session = get_session()
    filters = auditlog.AuditFilters.from_args(request.args)
    page = list_page(session, filters, page=request.args.get("page", 1, int))
    return render_template(
        "admin/audit.html", page=page, rows=auditlog.describe(session, page.items),
        filters=filters, args=filters.to_args(), actions=audit.ACTIONS,
        object_types=auditlog.OBJECT_TYPES, auditlog=auditlog)


# --- 回收站 ---------------------------------------------------------------------------

def restore_target(endpoint: str, obj_id: int) -> dict | None:
    """URL and method of another area's restore endpoint, whatever its id is called."""
    if endpoint not in current_app.view_functions:
        return None
    for rule in current_app.url_map.iter_rules(endpoint):
        params = list(rule.arguments)
        if len(params) == 1:
            method = "POST" if "POST" in rule.methods else "GET"
            return {"url": url_for(endpoint, **{params[0]: obj_id}), "method": method}
    return None


@bp.route("/trash")
@roles_required(*AUDIT_READERS)
def trash():
    session = get_session()

    def deleted(model):
        stmt = select(model).where(model.deleted_at.is_not(None)).order_by(
            model.deleted_at.desc()).limit(TRASH_LIMIT)
        return list(session.exec(stmt))

    projects = deleted(Project)
    deleted_project_ids = {p.id: p.deleted_at for p in projects}
    return render_template(
        "admin/trash.html",
        enterprises=deleted(Enterprise), projects=projects, followups=deleted(FollowUp),
        with_project=deleted_project_ids, restore_target=restore_target,
        action_form=ActionForm(), limit=TRASH_LIMIT, auditlog=auditlog,
        cities=reference.division_names(session))
