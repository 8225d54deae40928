"""Login, logout, password change, and the API tokens page."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user

from crm import security
from crm.auth.forms import ActionForm, ChangePasswordForm, LoginForm
from crm.db import get_session
from crm.extensions import login_manager
from crm.models import ApiToken, User
from crm.models.base import utcnow
from crm.services import audit, logins, users
from crm.services.errors import ValidationFailed
from crm.views_common import all_users, safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # only the user whose server-side session crm.security found for this request
    if not user_id.isdigit() or g.get("login_user_id") != int(user_id):
        return None
    user = get_session().get(User, int(user_id))
    return user if user and user.is_active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user, problem = logins.authenticate(
            get_session(), username=form.username.data, password=form.password.data,
            address=request.remote_addr or "",
            limits=logins.Limits.from_config(current_app.config))
        if user is not None:
            login_user(user)
            security.begin_login(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
        flash(problem, "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    session = get_session()
    audit.record(session, user=current_user, action="logout", obj=current_user)
    session.commit()
    security.end_login()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(get_session(), user=current_user, old=form.old_password.data,
                                  new=form.new_password.data,
                                  keep_session_key=security.current_session_key())
        except ValidationFailed as exc:
            for field, message in exc.fields.items():
                getattr(form, field).errors.append(message)
        else:
            flash("密码已修改；您在其他地方的登录已结束，API 令牌已全部撤销。", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


# --- API tokens ----------------------------------------------------------------------

@bp.route("/tokens")
@login_required
def tokens():
    """Your API tokens; an admin sees and revokes everyone's."""
    session = get_session()
    everyone = current_user.role == "admin"
    rows = users.list_tokens(session, user=None if everyone else current_user)
    return render_template("auth/tokens.html", tokens=rows, everyone=everyone, now=utcnow(),
                           owners=all_users(session) if everyone else {},
                           action_form=ActionForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != current_user.id and current_user.role != "admin"):
        abort(404)
    if users.revoke_token(session, token=token, actor=current_user):
        flash(f"已撤销令牌 {token.name or token.id}。", "success")
    else:
        flash("该令牌此前已撤销。", "info")
    return redirect(url_for("auth.tokens"))
