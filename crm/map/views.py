"""The map page, its standalone download, and the offline Leaflet assets.

All drawing is in maps/; this module only turns a request into filters and
options, and the result into a page.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required

from crm import clock, rules
from crm.db import get_session
from crm.map.data import (
    MAX_PROJECTS,
    download_name,
    filters_from_args,
    generated_at,
    load_map_data,
    options_from_config,
    public_project_url,
)
from crm.services import permissions, reference
from maps import assets, geo
from maps.render import METRICS, build_map, page_parts, standalone_html

bp = Blueprint("map", __name__)


@bp.record_once
def _geo_cache(state) -> None:
    """Boundary files missing from seeds/geo are rebuilt into the instance folder."""
    geo.set_cache_dir(Path(state.app.instance_path) / "geo")


def _args():
    """Query args; a city user who asks for no city sees their own city
    (``city_code=`` empty asks for the whole province explicitly)."""
    args = request.args.to_dict()
    if "city_code" not in args and permissions.home_city(current_user):
        args["city_code"] = permissions.home_city(current_user)
    return args


def _build(download: bool = False):
    filters = filters_from_args(_args())
    data = load_map_data(get_session(), filters)
    # A downloaded file is read elsewhere: its links need the public address.
    project_url = (public_project_url(current_app.config) if download
                   else request.script_root + "/projects/{id}")
    options = options_from_config(
        current_app.config, metric=request.args.get("metric"), filters=filters,
        asset_base=url_for("map.asset", package="_", filename="_")[: -len("/_/_")],
        project_url=project_url,
    )
    return filters, data, options, build_map(data, options)


def _csp_nonce() -> str | None:
    """This response's CSP nonce (crm.security), so the map's inline scripts
    run under a strict script-src."""
    nonce = current_app.jinja_env.globals.get("csp_nonce")
    return nonce() if nonce else None


@bp.route("/map")
@login_required
def index():
    filters, data, options, m = _build()
    session = get_session()
    return render_template(
        "map/index.html",
        parts=page_parts(m, nonce=_csp_nonce()),
        filters=filters,
        metric=options.metric,
        metrics=METRICS,
        cities=reference.jilin_prefectures(session),
        segments=[s.name for s in reference.segments(session)],
        count=len(data.projects),
        capped=len(data.projects) >= MAX_PROJECTS,
        description=filters.describe(reference.division_names(session)),
        tiles=options.tiles,
        rules=rules,
    )


@bp.route("/map/export.html")
@login_required
def export():
    """The same map as one self-contained file (scripts inlined) for e-mail."""
    filters, _data, options, m = _build(download=True)
    names = reference.division_names(get_session())
    now = clock.now()
    html = standalone_html(m, options, description=filters.describe(names),
                           generated=generated_at(now))
    # send_file writes the Chinese name as RFC 5987 filename*, like the exports.
    return send_file(BytesIO(html.encode()), mimetype="text/html", as_attachment=True,
                     download_name=download_name(filters, names, now))


@bp.route("/map/assets/<package>/<path:filename>")
def asset(package: str, filename: str):
    """Leaflet and markercluster from the installed xstatic packages (no CDN)."""
    try:
        directory = assets.package_dir(package)
    except KeyError:
        abort(404)
    return send_from_directory(directory, filename, max_age=7 * 24 * 3600)
