"""From the CRM's database to the plain ``MapData`` the renderer draws.

Uses the same ``ProjectFilters`` as the project list, so ``/map?stage=signed``
shows exactly the projects ``/projects?stage=signed`` lists (every page of
them). Queries select columns, not ORM objects: 20,000 projects load in a
fraction of the time and memory.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from crm import formatting, rules
from crm.models import Enterprise, JizhePairing, Park, Project
from crm.services import reference
from crm.services.filters import ProjectFilters
from maps import geo
from maps.render import METRICS, MapData, MapOptions

# A page beyond this many projects would be slow to open; the view says so.
MAX_PROJECTS = 50_000

PROJECT_COLUMNS = (
    Project.id, Project.name, Project.city_code, Project.county_code, Project.park_id,
    Project.chain_segment, Project.project_class, Project.stage,
    Project.planned_investment_wan, Project.case_by_case, Project.jizhe,
    Project.source_city, Project.lon, Project.lat,
)


def _rows(session: Session, stmt) -> list[dict]:
    """Plain dicts straight from the connection: the ORM's per-row result
    processing is not needed for column tuples and doubles the load time."""
    return [dict(row) for row in session.connection().execute(stmt).mappings()]


def filters_from_args(args) -> ProjectFilters:
    """The list filters from query args; paging, sorting and the recycle bin
    mean nothing on a map (it shows live projects only)."""
    filters = ProjectFilters.from_args(args)
    filters.page, filters.sort, filters.deleted = 1, None, False
    return filters


def load_projects(session: Session, filters: ProjectFilters) -> list[dict]:
    ids = filters.select().with_only_columns(Project.id).order_by(None)
    stmt = (
        select(*PROJECT_COLUMNS, Enterprise.name.label("enterprise"))
        .outerjoin(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(Project.id.in_(ids))
        .order_by(Project.id)
        .limit(MAX_PROJECTS)
    )
    return _rows(session, stmt)


def load_enterprises(session: Session, filters: ProjectFilters) -> list[dict]:
    """Industry-base enterprises and key targets, narrowed by city and segment."""
    stmt = select(
        Enterprise.id, Enterprise.name, Enterprise.province, Enterprise.city,
        Enterprise.city_code, Enterprise.chain_segment, Enterprise.kind,
        Enterprise.is_key_target, Enterprise.is_industry_base, Enterprise.lon, Enterprise.lat,
    ).where(
        Enterprise.deleted_at.is_(None),
        or_(Enterprise.is_key_target.is_(True), Enterprise.is_industry_base.is_(True)),
        # Only what the map can place: own point, or a Jilin / Zhejiang city.
        or_(Enterprise.lon.is_not(None), Enterprise.city_code.in_(_placeable_cities())),
    )
    if filters.city_code:
        stmt = stmt.where(Enterprise.city_code == filters.city_code)
    if filters.chain_segment:
        stmt = stmt.where(Enterprise.chain_segment == filters.chain_segment)
    if filters.jizhe is not None:
        stmt = stmt.where(Enterprise.jizhe.is_(filters.jizhe))
    return _rows(session, stmt.order_by(Enterprise.id))


def _placeable_cities() -> list[str]:
    return list(geo.prefecture_names()) + list(geo.zhejiang_cities())


def load_parks(session: Session, filters: ProjectFilters) -> list[dict]:
    stmt = select(Park.id, Park.name, Park.city_code, Park.level, Park.lon, Park.lat)
    if filters.city_code:
        stmt = stmt.where(Park.city_code == filters.city_code)
    return _rows(session, stmt.order_by(Park.id))


def load_pairings(session: Session, filters: ProjectFilters) -> list[dict]:
    stmt = select(JizhePairing)
    if filters.city_code:
        stmt = stmt.where(JizhePairing.jilin_code == filters.city_code)
    return [{"zhejiang_code": p.zhejiang_code, "jilin_code": p.jilin_code,
             "confidence": p.confidence} for p in session.exec(stmt)]


def load_map_data(session: Session, filters: ProjectFilters) -> MapData:
    return MapData(
        projects=load_projects(session, filters),
        enterprises=load_enterprises(session, filters),
        parks=load_parks(session, filters),
        pairings=load_pairings(session, filters),
        segments=[s.name for s in reference.segments(session)],
    )


def options_from_config(config, *, metric: str | None = None,
                        filters: ProjectFilters | None = None, **extra) -> MapOptions:
    """MapOptions from the app config (MAP_TILES, TIANDITU_KEY, MAP_TILE_URL), with
    the CRM's vocabularies for the legend, popups and the "signed" metric."""
    return MapOptions(
        metric=metric if metric in METRICS else "count",
        tiles=config.get("MAP_TILES") or "none",
        tile_url=config.get("MAP_TILE_URL") or "",
        tianditu_key=config.get("TIANDITU_KEY") or "",
        focus_city=filters.city_code if filters else None,
        show_jizhe=bool(filters and filters.jizhe),
        stage_labels=dict(rules.STAGES),
        signed_stages=frozenset(rules.SIGNED_OR_LATER),
        enterprise_kinds=dict(rules.ENTERPRISE_KINDS),
        data_source="招商通",
        **extra,
    )


def public_project_url(config, base_url: str | None = None) -> str:
    """Project links for a downloaded file: on the public base URL (the
    argument, else ZHAOSHANG_PUBLIC_BASE_URL), or none at all."""
    base = (base_url or config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    return f"{base}/projects/{{id}}" if base else ""


def generated_at(now: datetime) -> str:
    """The downloaded file's date line, in Beijing time like every page."""
    return f"{formatting.local_time(now):%Y-%m-%d %H:%M}（北京时间）"


def download_name(filters: ProjectFilters, names: dict[str, str], now: datetime) -> str:
    """产业招商地图_长春市_20261206.html (吉林省 when no city is chosen)."""
    # A code with no name came from a hand-made URL: never put it in a file name.
    place = names.get(filters.city_code, "未知市州") if filters.city_code else "吉林省"
    return f"产业招商地图_{place}_{formatting.local_time(now):%Y%m%d}.html"


FILTER_NAMES = [f.name for f in fields(ProjectFilters) if f.name not in ("page", "sort")]
