"""Home page and the cross-cutting pages (一事一议 docket, 吉浙)."""

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from crm.db import get_session
from crm.services import dashboard

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    session = get_session()
    city = current_user.city_code if current_user.role == "city" else None
    return render_template(
        "main/index.html",
        stages=dashboard.stage_counts(session, city),
        overdue=dashboard.my_overdue_followups(session, current_user, date.today()),
        cases=dashboard.pending_cases(session),
        jizhe=dashboard.jizhe_totals(session),
        city=city,
    )
