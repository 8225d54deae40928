"""A form built from a record type's Create schema, for types without their own."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from crm.models.base import MULTILINE_FIELDS
from crm.records import RecordType


def model_form(record_type: RecordType) -> type[FlaskForm]:
    """One field per Create-schema field: a select for a coded field, a checkbox for
    a yes/no, a text box otherwise; the service parses and judges the values."""
    attrs = {}
    for name, info in record_type.create_schema.model_fields.items():
        label = record_type.labels.get(name, name)
        vocab = record_type.vocabularies.get(name)
        if vocab is not None:
            options = {"": "—"} | {str(k): v for k, v in vocab.items()}
            attrs[name] = SelectField(label, choices=options, validate_choice=False)
        elif info.annotation is bool:
            attrs[name] = BooleanField(label)
        elif name in MULTILINE_FIELDS:
            attrs[name] = TextAreaField(label, render_kw={"rows": 3})
        else:
            attrs[name] = StringField(label)
    attrs["version"] = HiddenField()
    return type(f"{record_type.model.__name__}Form", (FlaskForm,), attrs)


def form_data(form: FlaskForm, *, creating: bool) -> dict:
    """The submitted values. A blank is left out of a new record (the schema's default,
    or 必填) and clears an edited one's field (None: the service empties a text or
    says 必填)."""
    data = {name: None if f.data == "" else f.data for name, f in form._fields.items()
            if name != "csrf_token"}
    if creating:
        data = {k: v for k, v in data.items() if v is not None and k != "version"}
    elif data.get("version") is None:
        data.pop("version", None)
    return data
