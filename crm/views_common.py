"""Small helpers shared by the list / detail / edit views of every object type.

Nothing here knows a business rule: rules live in crm.rules and crm.services.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template, request, send_file
from sqlmodel import Session, select

from crm.models import Enterprise, Park, User
from crm.queries import Page, list_page, lookup
from crm.records.projects import light_of  # noqa: F401  (the views' name for it)
from crm.services import followups as followup_service
from crm.services import permissions, reference
from crm.services.attachments import Store
from crm.services.errors import ValidationFailed, VersionConflict

# --- lists -------------------------------------------------------------------

def page_of(session: Session, filters) -> Page:
    """The filters' page of their list (crm.queries.list_page: it pages and counts)."""
    return list_page(session, filters)


def by_id(session: Session, model, ids) -> dict:
    """Load the rows of ``model`` for ``ids`` in one query (no query per row)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))}


def names_by_id(session: Session, model, ids) -> dict[int, str]:
    """``{id: name}`` of ``model`` for ``ids`` in one query: a list shows only the
    related row's name, and two columns cost a third of whole rows."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.name).where(model.id.in_(ids))).all())


def all_users(session: Session) -> dict[int, User]:
    return {u.id: u for u in session.exec(select(User).order_by(User.username))}


def card_context(session: Session, projects, user) -> dict:
    """What a project's phone card shows beyond the row: its light, enterprise, next step,
    and whether the user may add a follow-up to it (the card's 添加跟进 button)."""
    return {"lights": {p.id: light_of(p) for p in projects},
            "enterprise_names": names_by_id(session, Enterprise,
                                            [p.enterprise_id for p in projects]),
            "next_steps": followup_service.next_steps(session, [p.id for p in projects]),
            "followable": {p.id for p in projects
                           if permissions.can_edit_followup(user, None, p)}}


def reference_lists(session: Session) -> dict:
    """Select lists for filters and forms, one query each."""
    return {
        "prefectures": reference.jilin_prefectures(session),
        "zhejiang": reference.zhejiang_cities(session),
        "segments": reference.segments(session),
        "division_names": reference.division_names(session),
    }


# --- forms -------------------------------------------------------------------

def apply_errors(form, exc: ValidationFailed, aliases: dict[str, str] | None = None) -> None:
    """Show each service message under its field; unknown fields go on top."""
    form.form_errors = list(getattr(form, "form_errors", []) or [])
    for field, message in exc.fields.items():
        name = (aliases or {}).get(field, field)
        target = getattr(form, name, None) if name in form._fields else None
        if target is not None:
            target.errors = list(target.errors or []) + [message]
        else:
            form.form_errors.append(message)


def choices(items, value=lambda x: x.code, text=lambda x: x.name, empty: str | None = "—"
            ) -> dict:
    """{value: label} for a SelectField (WTForms' shorthand; no tuples)."""
    out = {"": empty} if empty is not None else {}
    return out | {str(value(i)): text(i) for i in items}


def county_choices(session: Session, prefectures) -> dict:
    """Counties grouped by prefecture (an <optgroup> each)."""
    groups: dict = {"": "—"}
    for p in prefectures:
        groups[p.name] = {c.code: c.name for c in reference.counties_of(session, p.code)}
    return groups


def park_choices(session: Session, names: dict[str, str]) -> dict:
    groups: dict = {"": "—"}
    for park in session.exec(select(Park).order_by(Park.city_code, Park.name)):
        groups.setdefault(names.get(park.city_code, "其他"), {})[str(park.id)] = park.name
    return groups


def picked_id(session: Session, field, resolve) -> str:
    """The id a PickerField names once saved: the chosen id while the text box still
    shows its name; else the record the typed text names (``resolve``: its id, credit
    code or exact name), or a message under the field. A client that posts the id
    alone (no ``<name>_text``) is taken at its word; a cleared text box clears."""
    if field.text is None:
        return field.data or ""
    text = field.text.strip()
    if not text:
        return ""
    if field.data and str(field.data).isdigit() and field.shown == text:
        return str(field.data)
    found = resolve(session, text)
    if found is not None:
        field.data = str(found)  # a form shown again (another field's error) keeps it
    else:
        raise ValidationFailed({field.name: f"{field.label.text}：未找到与“{text}”唯一对应的记录，"
                                            "请从列表中选择，或填写完整名称、统一社会信用代码"})
    return str(found)


def show_picked(session: Session, field, model) -> None:
    """The name the picker shows for the id it holds."""
    field.shown = lookup.label_of(session, model, field.data)


def user_choices(users: dict[int, User], empty: str | None = "—") -> dict:
    out = {"": empty} if empty is not None else {}
    return out | {str(u.id): u.label for u in users.values() if u.is_active}


# --- conflicts ---------------------------------------------------------------

def conflict_rows(exc: VersionConflict, labels: dict[str, str], show) -> list[dict]:
    """Stored value next to the submitted one, for each submitted field."""
    rows = []
    for field, submitted in exc.submitted.items():
        if field in ("version", "csrf_token", "contacts") or field not in labels:
            continue
        stored = getattr(exc.current, field, None)
        mine, theirs = show(field, submitted), show(field, stored)
        rows.append({"field": field, "label": labels[field], "stored": theirs,
                     "submitted": mine, "differs": mine != theirs})
    return rows


def render_conflict(template: str, exc: VersionConflict, labels: dict, show, *,
                    reload_url: str, **context):
    """The edit page again, status 409: the stored version beside the user's values,
    the form keeping the user's values on top of the current version."""
    conflict = {"rows": conflict_rows(exc, labels, show), "reload_url": reload_url,
                "version": exc.current.version}
    form = context.get("form")
    if form is not None and "version" in form._fields:
        form.version.data = exc.current.version
    return render_template(template, conflict=conflict, **context), 409


def safe_next(target: str | None, fallback: str) -> str:
    """Only redirect to a path on this host. Refused (``fallback`` instead): another
    host (``//evil``, a scheme), backslashes (browsers read ``/\\evil`` as ``//evil``)
    and control characters (CR/LF would split the Location header: a 500 before)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.netloc or parts.scheme:
        return fallback
    return target


def back(fallback: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), fallback)


def filter_options(session: Session, users: dict[int, User] | None = None) -> dict:
    """Option lists (value, label) for the filter forms of every list page."""
    refs = reference_lists(session)
    jilin = [(d.code, d.name) for d in refs["prefectures"]]
    return {
        "jilin_cities": jilin,
        "all_cities": {province: [(d.code, d.name) for d in cities] for province, cities
                       in reference.prefecture_choices(session).items()},
        "zhejiang_cities": [(d.name, d.name) for d in refs["zhejiang"]],
        "segments": [(s.name, s.name) for s in refs["segments"]],
        "owners": [(u.id, u.label) for u in (users or all_users(session)).values()],
        "division_names": refs["division_names"],
    }


# --- attachments -------------------------------------------------------------

def attachment_store() -> Store:
    """instance/attachments, and the size limit from config."""
    return Store(root=Path(current_app.instance_path) / "attachments",
                 max_bytes=current_app.config["ATTACHMENT_MAX_MB"] * 1024 * 1024)


# A download is never a page: no script, no plugin, no frame, even if opened.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def send_attachment(found, path: Path):
    """The file as a download (Content-Disposition: attachment, RFC 5987 filename*
    for Chinese names) with its sniffed, allow-listed type; browsers must not guess."""
    response = send_file(path, mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename, conditional=True, etag=found.sha256,
                         max_age=0)
    # as stored: Werkzeug would append "; charset=utf-8" to a text type given as mimetype
    response.headers["Content-Type"] = found.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
