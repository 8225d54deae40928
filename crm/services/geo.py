"""The CRM's view of geography: coordinate checks and the point → prefecture join.

The boundaries live in maps/ (pure geography, no Flask); this is the one place the
services reach for them."""

from __future__ import annotations

from crm.services.validation import require

# A generous box around Jilin and Zhejiang is not the check: any WGS-84 point is
# accepted, only impossible coordinates are refused.
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)


def check_point(errors: dict, lon, lat, labels: dict) -> None:
    if (lon is None) != (lat is None):
        require(errors, labels, "lat" if lat is None else "lon", "经度和纬度须同时填写")
        return
    if lon is None:
        return
    if not LON_RANGE[0] <= float(lon) <= LON_RANGE[1]:
        require(errors, labels, "lon", "经度应在 -180 到 180 之间")
    if not LAT_RANGE[0] <= float(lat) <= LAT_RANGE[1]:
        require(errors, labels, "lat", "纬度应在 -90 到 90 之间")


def prefecture_code_at(lon, lat) -> str | None:
    """Jilin prefecture containing the WGS-84 point, or None."""
    try:
        from maps.geo import prefecture_code_at as lookup
    except ImportError:  # maps/ not installed in a stripped-down deployment
        return None
    try:
        return lookup(float(lon), float(lat))
    except (TypeError, ValueError):
        return None


def location_warning(lon, lat, city_code: str | None) -> str | None:
    """A Chinese warning when the point lies outside the chosen 市/州 (saved anyway)."""
    try:
        from maps.geo import city_mismatch_warning
    except ImportError:
        return None
    if lon is None or lat is None:
        return None
    return city_mismatch_warning(float(lon), float(lat), city_code)
