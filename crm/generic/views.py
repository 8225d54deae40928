"""The pages every record type has, from its declaration (crm.records): list with
recycle bin, detail, new, edit, delete, restore and history. Validation errors
(422), version conflicts (409), rollback and flash are handled here once.

A type's own view module subclasses ``RecordViews`` for what is truly its own
(context of its detail page, form pre-fill and choices); a type without one
gets the generic pages and templates (templates/records/).
"""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm import rules
from crm.db import get_session
from crm.generic.forms import form_data, model_form
from crm.records import RecordType
from crm.services import history as history_service
from crm.services import permissions
from crm.services.errors import PossibleDuplicate, ValidationFailed, VersionConflict
from crm.services.exporting import Names
from crm.views_common import all_users, apply_errors, filter_options, page_of, render_conflict

# endpoint → (URL after the type's prefix, methods); templates build links with these
PAGES = {
    "index": ("", ["GET"]),
    "detail": ("/<int:{id}>", ["GET"]),
    "new": ("/new", ["GET", "POST"]),
    "edit": ("/<int:{id}>/edit", ["GET", "POST"]),
    "delete": ("/<int:{id}>/delete", ["POST"]),
    "restore": ("/<int:{id}>/restore", ["POST"]),
    "history": ("/<int:{id}>/history", ["GET"]),
}


class RecordViews:
    """The generic pages of one record type; override the hooks, not the pages."""

    obj_name = "obj"  # the object's name in the type's templates (e, p, f)

    def __init__(self, record_type: RecordType):
        self.rt = record_type

    # --- hooks -------------------------------------------------------------------
    def user(self):
        return current_user._get_current_object()  # the proxy resolves on every use

    def list_context(self, session, page, users) -> dict:
        """More for the list template: which rows the user may restore …"""
        me = self.user()
        return {"editable": {o.id for o in page.items if self.rt.can_edit(session, me, o)}}

    def detail_context(self, session, obj) -> dict:
        return {"fields": self.shown_fields(obj),
                "history": history_service.history(session, self.rt.object_type, obj.id),
                "can_edit": self.rt.can_edit(session, self.user(), obj)}

    def shown_fields(self, obj) -> list[tuple[str, str]]:
        """(label, value as shown) of each labelled field the record has."""
        out = []
        for name, text in self.rt.labels.items():
            if name in ("id", "version") or name not in type(obj).model_fields:
                continue
            value = getattr(obj, name)
            if name in self.rt.vocabularies:
                value = rules.label(self.rt.vocabularies[name], value)
            elif isinstance(value, bool):
                value = "是" if value else "否"
            out.append((text, "—" if value is None or value == "" else str(value)))
        return out

    def make_form(self, session, obj=None):
        cls = model_form(self.rt)
        if request.method == "POST":
            return cls()
        if obj is None:
            return cls()
        form = cls(obj=obj)
        for name, f in form._fields.items():  # stored values as their text
            value = getattr(obj, name, None)
            if f.type in ("StringField", "SelectField", "HiddenField"):
                f.data = "" if value is None else str(value)
        return form

    def form_data(self, form, *, creating: bool) -> dict:
        return form_data(form, creating=creating)

    def form_context(self, session, obj) -> dict:
        return {}

    def conflict_labels(self) -> dict:
        return self.rt.labels

    def created(self, obj) -> str:
        flash(f"已新建{self.rt.label}“{self.rt.title_of(obj)}”。", "success")
        return self.url("detail", obj)

    def deleted(self, obj) -> str:
        flash(f"已将{self.rt.label}“{self.rt.title_of(obj)}”移入回收站。", "warning")
        return self.url("index")

    def restored(self, obj) -> None:
        flash(f"已恢复{self.rt.label}“{self.rt.title_of(obj)}”。", "success")

    # --- helpers -----------------------------------------------------------------
    def url(self, page: str, obj=None, **args) -> str:
        if obj is not None:
            args[self.rt.id_arg] = obj.id
        return url_for(f"{self.rt.name}.{page}", **args)

    def load(self, session, obj_id: int, *, include_deleted: bool = False):
        return self.rt.get(session, obj_id, include_deleted=include_deleted)

    def form_page(self, session, form, obj) -> dict:
        return {"form": form, "record_type": self.rt, self.obj_name: obj,
                **self.form_context(session, obj)}

    def render_form(self, session, form, obj, status: int = 200, **extra):
        return render_template(self.rt.template("form"),
                               **self.form_page(session, form, obj), **extra), status

    def save(self, session, form, obj, call):
        """Run the service ``call``; its refusals become the form again: 422 with the
        messages under their fields, 409 with the stored version beside the user's,
        or 409 with the possible duplicates (confirmed by the form's allow_similar)."""
        try:
            return call()
        except ValidationFailed as exc:
            session.rollback()
            apply_errors(form, exc)
            return self.render_form(session, form, obj, 422)
        except PossibleDuplicate as exc:  # the form again, with the candidates to confirm
            session.rollback()
            return self.render_form(session, form, obj, 409, duplicates=exc.candidates)
        except VersionConflict as exc:
            session.rollback()
            return render_conflict(
                self.rt.template("form"), exc, self.conflict_labels(),
                history_service.Display(session, self.rt.object_type),
                reload_url=self.url("edit", obj), **self.form_page(session, form, obj))

    # --- pages -------------------------------------------------------------------
    def index(self):
        session = get_session()
        filters = self.rt.filters.from_args(request.args)
        page = page_of(session, filters)  # the filter class knows its order and count cap
        users = all_users(session)
        opts = filter_options(session, users)
        context = {"record_type": self.rt, "filters": filters, "args": filters.to_args(),
                   "page": page, "users": users, "opts": opts,
                   "description": filters.describe(opts["division_names"]),
                   "can_create": self.rt.can_create(self.user()),
                   # the declared columns' values, as the export writes them
                   "columns": self.rt.page_columns,
                   "rows": list(self.rt.row_values(session, page.items, Names(
                       session, divisions=opts["division_names"], users=users)))}
        return render_template(self.rt.template("list"),
                               **context | self.list_context(session, page, users))

    def detail(self, **kw):
        session = get_session()
        obj = self.load(session, kw[self.rt.id_arg], include_deleted=True)
        context = {"record_type": self.rt, self.obj_name: obj}
        return render_template(self.rt.template("detail"),
                               **context | self.detail_context(session, obj))

    def new(self):
        session = get_session()
        permissions.require(self.rt.can_create(self.user()), self.rt.create_refusal())
        form = self.make_form(session)
        if form.validate_on_submit():
            result = self.save(session, form, None, lambda: self.rt.create(
                session=session, data=self.form_data(form, creating=True), user=self.user()))
            if isinstance(result, tuple):
                return result
            return redirect(self.created(result))
        return self.render_form(session, form, None)

    def edit(self, **kw):
        session = get_session()
        obj = self.load(session, kw[self.rt.id_arg])
        permissions.require(self.rt.can_edit(session, self.user(), obj), self.rt.edit_refusal())
        form = self.make_form(session, obj)
        if form.validate_on_submit():
            result = self.save(session, form, obj, lambda: self.rt.update(
                session=session, obj=obj, data=self.form_data(form, creating=False),
                user=self.user()))
            if isinstance(result, tuple):
                return result
            flash("已保存。", "success")
            return redirect(self.url("detail", obj))
        return self.render_form(session, form, obj)

    def delete(self, **kw):
        session = get_session()
        obj = self.load(session, kw[self.rt.id_arg])
        self.rt.delete(session=session, obj=obj, user=self.user())
        return redirect(self.deleted(obj))

    def restore(self, **kw):
        session = get_session()
        obj = self.load(session, kw[self.rt.id_arg], include_deleted=True)
        if obj.deleted_at is not None:
            self.rt.restore(session=session, obj=obj, user=self.user())
            self.restored(obj)
        return redirect(self.url("detail", obj))

    def history(self, **kw):
        session = get_session()
        obj = self.load(session, kw[self.rt.id_arg], include_deleted=True)
        return render_template(
            self.rt.template("history"), record_type=self.rt, obj=obj,
            history=history_service.history(session, self.rt.object_type, obj.id))

    def register(self, bp: Blueprint) -> Blueprint:
        """Add the pages to ``bp`` (the type's blueprint, prefix /<name>), endpoints
        <name>.index, .detail … as the templates call them."""
        for endpoint, (rule, methods) in PAGES.items():
            bp.add_url_rule(rule.format(id=self.rt.id_arg), endpoint,
                            login_required(getattr(self, endpoint)), methods=methods)
        return bp


def blueprint(record_type: RecordType, views: RecordViews | None = None) -> Blueprint:
    """The blueprint of a type's pages, at /<name>."""
    bp = Blueprint(record_type.name, __name__, url_prefix=f"/{record_type.name}")
    (views or RecordViews(record_type)).register(bp)
    return bp


def register(app: Flask, record_type: RecordType) -> None:
    """Give ``record_type`` its pages on ``app`` (a type with no view module of its own;
    its API routes and export come from the registry)."""
    app.register_blueprint(blueprint(record_type))
