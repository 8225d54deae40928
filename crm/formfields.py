"""Form fields shared by the areas' forms."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.utils import unset_value
from wtforms.widgets import html_params

from crm.tabular import values


class AmountField(StringField):
    """An amount as people write it, the way import reads it: 12亿, 1.5亿元, ５０００万, 5,000.

    ``data`` is the amount in 万元 (Decimal) once understood, so a re-shown form displays
    what was understood in 万元. Text the parser cannot read is passed on unchanged: the
    service's validation names the field in its message, as for every other field.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.data = values.parse_amount_wan(self.data)
        except values.CellError:
            pass

    def _value(self) -> str:
        if isinstance(self.data, Decimal):
            return _plain(self.data)
        return super()._value()


def _plain(amount: Decimal) -> str:
    """120000.00 → 120000, 1.50 → 1.5: no exponent, no trailing zeros."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class PickerField(StringField):
    """A record chosen by typing (static/pickers.js): a hidden input holds the chosen
    id (``data``) and a text input what is shown or typed (``text``, posted as
    ``<name>_text``; None when a client posts the id alone). Without JavaScript the
    text input is an ordinary field: a name, credit code or id typed there is looked up
    when the form is saved (crm.views_common.picked_id).

    ``lookup``: the endpoint answering ``?q=`` with JSON; ``shown``: the name of the
    record ``data`` names, set by the view."""

    def __init__(self, label=None, validators=None, *, lookup: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.lookup, self.shown, self.text = lookup, "", None

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        text_name = self.name + "_text"
        self.text = formdata.get(text_name) if formdata is not None and text_name in formdata \
            else None

    def __call__(self, **kwargs):
        shown = self.text if self.text is not None else self.shown
        attrs = {"id": self.id, "name": self.name + "_text", "value": shown, "type": "text",
                 "autocomplete": "off", "class": kwargs.get("class_", "form-control"),
                 "placeholder": "输入名称、信用代码或拼音首字母"}
        if self.errors:
            attrs["aria-invalid"] = "true"
        return Markup(
            f'<div class="picker" data-picker="{escape(url_for(self.lookup))}">'
            f'<input type="hidden" name="{escape(self.name)}" id="{escape(self.id)}-value" '
            f'value="{escape(self.data or "")}">'
            f"<input {html_params(**attrs)}></div>")
