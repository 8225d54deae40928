"""Jinja filters and globals: amounts in 万元/亿元, labels, dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from markupsafe import Markup, escape

from crm import clock, rules

YI_IN_WAN = Decimal("10000")  # 1亿元 = 10000万元


def wan(value, digits: int = 2) -> str:
    """12345.6 → '12,345.60 万元'."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):,.{digits}f} 万元"


def yi(value, digits: int = 2) -> str:
    """120000 万元 → '12.00 亿元'."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)) / YI_IN_WAN:,.{digits}f} 亿元"


def money(value) -> str:
    """亿元 from 1亿 upwards when that loses nothing (a whole number of 0.01亿),
    else 万元: 99999.99万 must never be shown as a rounded '10.00 亿元'."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if abs(amount) >= YI_IN_WAN and amount % 100 == 0:
        return yi(amount)
    return wan(amount)


def location(province, city) -> str:
    """Province and city, the province once when the city repeats it:
    北京市 + 北京市 → 北京市, 北京 + 北京市 → 北京市 (吉林省 + 吉林市 stays)."""
    p, c = (province or "").strip(), (city or "").strip()
    if p and c and (c.startswith(p) or p.startswith(c)):
        return max(p, c, key=len)
    return p + c


def cn_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def local_time(value: datetime) -> datetime:
    """UTC (aware, or naive as SQLite may return it) → the office's time zone."""
    return clock.local(value)


# Per-row snippets of the project lists, in Python: a Jinja macro call costs more than
# the markup it writes (≈ 1 ms for a page of 50 projects).
_BADGES = (
    ("case_by_case", '<span class="badge bg-danger" data-flag="case_by_case">一事一议</span>'),
    ("jizhe", '<span class="badge bg-info text-dark" data-flag="jizhe">吉浙</span>'),
    ("is_demo", '<span class="badge bg-secondary">演示</span>'),
)


def light_dot(value) -> Markup:
    """The progress light (红黄绿) as a coloured dot, its name for screen readers."""
    if not value:
        return Markup("")
    name = escape(rules.label(rules.LIGHTS, value))
    return Markup(f'<span class="light light-{escape(value)}" title="{name}">●</span>'
                  f'<span class="visually-hidden">{name}</span>')


def project_badges(project) -> Markup:
    """一事一议 / 吉浙 / 演示 flags of a project."""
    return Markup(" ".join(html for flag, html in _BADGES if getattr(project, flag, False)))


def filesize(size: int | None) -> str:
    """Bytes as the office reads them: 820 字节, 12.3 KB, 4.5 MB."""
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def overdue(next_due: date | None, done: bool) -> bool:
    """For templates: rules.followup_overdue on the configured zone's today."""
    return rules.followup_overdue(next_due, done, clock.today())


def init_app(app: Flask) -> None:
    app.add_template_filter(filesize)
    app.add_template_filter(wan)
    app.add_template_filter(yi)
    app.add_template_filter(money)
    app.add_template_filter(cn_date)
    app.add_template_global(rules, "rules")
    app.add_template_global(rules.label, "label")
    app.add_template_global(light_dot)
    app.add_template_global(overdue)
    app.add_template_global(location)
    app.add_template_global(project_badges)

    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    app.add_template_global(has_endpoint)
