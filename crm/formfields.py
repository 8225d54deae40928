"""Form fields shared by the areas' forms."""

from __future__ import annotations

from decimal import Decimal

from wtforms import StringField

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
