"""The map's scripts and stylesheets, served by the app (offline-first).

folium points every asset at public CDNs. We never use those defaults: each
element we put on a map gets its asset list from here, pointing at files the
app serves out of the installed ``xstatic-*`` packages (same directory layout
as the upstream dist, so ``url(images/layers.png)`` inside leaflet.css still
resolves). The standalone file for e-mail inlines the same files instead.

We deliberately use no folium feature that needs jQuery, Bootstrap,
Font Awesome, awesome-markers or d3 (markers are DivIcons, the legend is
plain HTML), so Leaflet and Leaflet.markercluster are all we need.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import cache
from pathlib import Path

# name → (xstatic package, file inside its data dir)
ASSETS: dict[str, tuple[str, str]] = {
    "leaflet_js": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "markercluster_js": ("leaflet_markercluster", "leaflet.markercluster.js"),
    "markercluster_css": ("leaflet_markercluster", "MarkerCluster.css"),
    "markercluster_default_css": ("leaflet_markercluster", "MarkerCluster.Default.css"),
}
PACKAGES = ("leaflet", "leaflet_markercluster")
DEFAULT_BASE = "/map/assets"


@cache
def package_dir(package: str) -> Path:
    """The data directory of an allowed xstatic package (KeyError otherwise)."""
    if package not in PACKAGES:
        raise KeyError(package)
    if package == "leaflet":
        import xstatic.pkg.leaflet as pkg
    else:
        import xstatic.pkg.leaflet_markercluster as pkg
    return Path(pkg.BASE_DIR)


def url(name: str, base: str = DEFAULT_BASE) -> str:
    package, filename = ASSETS[name]
    return f"{base.rstrip('/')}/{package}/{filename}"


def js(names: list[str], base: str) -> list[tuple[str, str]]:
    """A folium ``default_js``-style list for the given assets."""
    return [(name, url(name, base)) for name in names]


css = js


def path_of(name: str) -> Path:
    package, filename = ASSETS[name]
    return package_dir(package) / filename


# --- standalone file ---------------------------------------------------------

_SCRIPT_RE = re.compile(r'<script src="([^"]+)"></script>')
_CSS_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"/>')
_CSS_URL_RE = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def _by_url(base: str) -> dict[str, str]:
    return {url(name, base): name for name in ASSETS}


def inline_assets(html: str, base: str = DEFAULT_BASE) -> str:
    """Replace links to our assets with their contents (images as data: URIs)."""
    known = _by_url(base)

    def script(match: re.Match) -> str:
        name = known.get(match.group(1))
        if name is None:
            return match.group(0)
        # "</script" inside the file would end the tag early; Leaflet has none,
        # but escape defensively.
        body = path_of(name).read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{body}</script>"

    def stylesheet(match: re.Match) -> str:
        name = known.get(match.group(1))
        if name is None:
            return match.group(0)
        path = path_of(name)
        body = _CSS_URL_RE.sub(lambda m: f"url({_data_uri(path.parent / m.group(2))})",
                               path.read_text(encoding="utf-8"))
        return f"<style>{body}</style>"

    return _CSS_RE.sub(stylesheet, _SCRIPT_RE.sub(script, html))


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
