"""Login, logout and password change."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth.forms import ChangePasswordForm, LoginForm
from crm.db import get_session
from crm.extensions import login_manager
from crm.models import User
from crm.services import audit, users
from crm.services.errors import ValidationFailed
from crm.views_common import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user and user.is_active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user, problem = users.authenticate(
            get_session(), username=form.username.data, password=form.password.data,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
        flash(problem, "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    session = get_session()
    audit.record(session, user=current_user, action="logout", obj=current_user)
    session.commit()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(get_session(), user=current_user, old=form.old_password.data,
                                  new=form.new_password.data)
        except ValidationFailed as exc:
            for field, message in exc.fields.items():
                getattr(form, field).errors.append(message)
        else:
            flash("密码已修改。", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
