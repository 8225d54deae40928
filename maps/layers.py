"""Custom folium elements: one marker cluster fed by per-segment layers,
plain point layers, and an HTML legend.

Why custom: a ``folium.Marker`` per project is one Python object, one JS
statement and one popup template each (30 s and 7.7 MB for 10,000). Here each
layer ships its rows once as a compact JSON array and a small JS function
turns rows into DivIcon markers in the browser; popups are built only when
opened. All segment layers feed one shared ``L.markerClusterGroup``, so
toggling a segment in the layer control adds or removes its markers from the
same clusters (the pattern of Leaflet.FeatureGroup.SubGroup, without the
extra plugin).

All user text reaches the page as JSON data and is HTML-escaped in JS
(``zsEsc``) before it is put into a popup.

Why ``RawRender``: folium's ``MacroElement.render`` wraps each rendered
snippet in ``branca.element.Element(text)``, which compiles the *output* as a
new Jinja template. With user data inside that is template injection (a
project named ``{{ ... }}`` is evaluated, ``{% x %}`` crashes the page), and
lexing megabytes of row data costs a quarter of a second at 20,000 projects.
Our elements hand their output over verbatim instead; ``js_json`` also
escapes Jinja delimiters as a second line of defence. folium's own
``LayerControl`` is replaced for the same reason (layer names hold chain
segments, which users type): ours passes its output verbatim and HTML-escapes
each name, because Leaflet writes layer names into the control with innerHTML.
"""

from __future__ import annotations

import html
import json
import re

from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.map import LayerControl as FoliumLayerControl
from folium.template import Template

from maps import assets


def js_json(value) -> str:
    """JSON safe inside a <script> block, with Chinese kept as UTF-8 (half the
    bytes of \\uXXXX escapes): escape what could close the tag or start HTML."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    # "{{", "{%", "{#" can only occur inside JSON strings: escape the brace.
    return _JINJA_OPEN.sub("\\\\u007b", text)


_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


class _Verbatim(Element):
    """Already-rendered text, returned as is (never compiled as a template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class RawRender(MacroElement):
    """MacroElement.render, but the macros' output is passed on verbatim."""

    def render(self, **kwargs):
        figure = self.get_root()
        assert isinstance(figure, Figure), "render inside a Figure"
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(_Verbatim(macro(self, kwargs)),
                                                name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class MapStyle(RawRender):
    """CSS for our markers and legend, plus the shared JS helpers."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        .zs-m { border-radius: 50%; border: 2px solid #fff; box-shadow: 0 0 2px rgba(0,0,0,.6);
                box-sizing: border-box; }
        .zs-m.zs-major { border-radius: 3px; border-width: 2px; }
        .zs-m.zs-cbc { outline: 3px solid #c62828; outline-offset: 1px; }
        .zs-m.zs-approx { border-style: dashed; border-color: #333; opacity: .75; }
        .zs-ent { background: #37474f; border: 2px solid #fff; transform: rotate(45deg);
                  box-shadow: 0 0 2px rgba(0,0,0,.6); box-sizing: border-box; }
        .zs-ent.zs-key { background: #6a1b9a; }
        .zs-cluster-ent div { background: rgba(106, 27, 154, .75); color: #fff; }
        .zs-cluster-ent { background: rgba(106, 27, 154, .3); }
        .zs-cluster-park div { background: rgba(0, 131, 143, .75); color: #fff; }
        .zs-cluster-park { background: rgba(0, 131, 143, .3); }
        .zs-park { width: 0; height: 0; border-left: 9px solid transparent;
                   border-right: 9px solid transparent; border-bottom: 16px solid #00838f; }
        .zs-legend { background: rgba(255,255,255,.92); padding: 6px 10px; border-radius: 4px;
                     box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 18px;
                     max-width: 260px; }
        .zs-legend .zs-grid3 { display: grid; grid-template-columns: repeat(3, auto);
                               column-gap: 6px; }
        .zs-legend .zs-grid2 { display: grid; grid-template-columns: repeat(2, auto);
                               column-gap: 6px; }
        .zs-legend h6 { font-size: 12px; font-weight: bold; margin: 4px 0 2px; }
        .zs-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
                       vertical-align: middle; border: 1px solid #999; }
        .zs-legend .zs-dot { border-radius: 50%; border: 1px solid #fff; }
        .zs-popup dt { font-weight: normal; color: #666; float: left; clear: left; width: 5em; }
        .zs-popup dd { margin-left: 5.5em; margin-bottom: 2px; }
        .zs-popup .zs-approx-note { color: #b26a00; }
        .leaflet-container.zs-blank { background: #eef3f7; }
        .leaflet-control-layers-expanded { font-size: 12px; line-height: 1.3;
                                           max-height: calc(100% - 30px); overflow-y: auto; }
        .zs-boundary-label { background: none; border: none; box-shadow: none; font-size: 12px;
                             color: #333; text-shadow: 0 0 3px #fff; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        // markercluster needs a maxZoom; without tiles the map has none.
        {{ this._parent.get_name() }}.setMinZoom(4).setMaxZoom(18);
        {%- if this.blank %}
        {{ this._parent.get_name() }}.getContainer().classList.add("zs-blank");
        {%- endif %}
        function zsEsc(s) {
            return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
                return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
            });
        }
        {% endmacro %}
    """)


    def __init__(self, blank: bool):
        super().__init__()
        self.blank = blank


class MapControls(RawRender):
    """The scale bar (metric only) and our own attribution: no "Leaflet" prefix
    and flag, the data source and boundary notice instead (``html`` is already
    escaped). Added before any tile layer, so Leaflet appends the tiles' own
    attribution (天地图's) to this control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        L.control.attribution({prefix: false})
            .addAttribution({{ this.html }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, attribution_html: str):
        super().__init__()
        self.html = js_json(attribution_html)


class BoundaryLayer(Layer, RawRender):
    """Polygons from a pre-serialised GeoJSON string (cached per process, so a
    render does not re-encode 300 KB of coordinates), styled and labelled per
    feature ``code`` with values computed for this render."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles }}, tips = {{ this.tips }};
            return L.geoJSON({{ this.geojson }}, {
                interactive: {{ this.interactive|tojson }},
                style: function (f) { return styles[f.properties.code] || styles[""]; },
                onEachFeature: function (f, layer) {
                    var t = tips[f.properties.code];
                    if (t) { layer.bindTooltip(t, {sticky: true}); }
                    {%- if this.interactive %}
                    layer.on("mouseover", function () { layer.setStyle({weight: 3}); });
                    layer.on("mouseout", function () {
                        layer.setStyle({weight: (styles[f.properties.code] || styles[""]).weight});
                    });
                    {%- endif %}
                }
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, name: str, geojson: str, styles: dict, tips: dict,
                 show: bool = True, interactive: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "BoundaryLayer"
        self.geojson = geojson  # already js_json-encoded
        self.styles = js_json(styles)
        self.tips = js_json(tips)
        self.interactive = interactive


class ProjectCluster(JSCSSMixin, RawRender):
    """The shared cluster group and the row → marker function.

    Row layout (see ``maps.render.project_rows``):
    [lat, lon, id, name, enterprise_index, code, planned_yi] with
    code = stage_index << 4 | approx << 2 | case_by_case << 1 | major
    (one small integer instead of four: rows are most of a large page).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.markerClusterGroup(
            {chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50}
        ).addTo({{ this._parent.get_name() }});
        var {{ this.get_name() }}_meta = {{ this.meta }};
        function {{ this.get_name() }}_make(r) {
            var m = {{ this.get_name() }}_meta, c = r[5], st = m.stages[c >> 4];
            var major = c & 1, cbc = (c >> 1) & 1, approx = (c >> 2) & 3;
            var size = major ? 18 : 12;
            var cls = "zs-m zs-stage-" + st[0] + (major ? " zs-major" : " zs-supporting")
                + (cbc ? " zs-cbc" : "") + (approx ? " zs-approx" : "");
            var icon = L.divIcon({
                className: "", iconSize: [size, size],
                html: '<div class="' + cls + '" data-id="' + r[2] + '" style="width:' + size
                    + 'px;height:' + size + 'px;background:' + st[2] + '"></div>'
            });
            var mk = L.marker([r[0], r[1]], {icon: icon, title: r[3]});
            mk.bindPopup(function () {
                var amount = r[6] == null ? "—" : r[6].toFixed(2) + " 亿元";
                return '<div class="zs-popup"><strong>' + zsEsc(r[3]) + '</strong>'
                    + (cbc ? ' <span style="color:#c62828">【一事一议】</span>' : '')
                    + '<dl><dt>企业</dt><dd>' + zsEsc(m.enterprises[r[4]] || "—") + '</dd>'
                    + '<dt>计划投资</dt><dd>' + amount + '</dd>'
                    + '<dt>阶段</dt><dd>' + zsEsc(st[1]) + '</dd>'
                    + '<dt>类别</dt><dd>' + (major ? "重大产业化项目" : "配套项目") + '</dd></dl>'
                    + (approx ? '<div class="zs-approx-note">位置为近似（' + zsEsc(m.approx[approx])
                        + '）</div>' : '')
                    + (m.url ? '<a class="zs-project-link" target="_top" href="'
                        + zsEsc(m.url.replace("{id}", r[2])) + '">查看项目详情</a>' : '')
                    + '</div>';
            }, {maxWidth: 320});
            return mk;
        }
        {% endmacro %}
    """)

    def __init__(self, meta: dict, asset_base: str):
        super().__init__()
        self._name = "ProjectCluster"
        self.meta = js_json(meta)
        self.default_js = assets.js(["markercluster_js"], asset_base)
        self.default_css = assets.css(["markercluster_css", "markercluster_default_css"],
                                      asset_base)


class SegmentLayer(Layer, RawRender):
    """One industry-chain segment: a toggle in the layer control whose markers
    live in the shared ProjectCluster."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        (function () {
            var markers = {{ this.rows }}.map({{ this.cluster.get_name() }}_make);
            {{ this.get_name() }}.on("add", function () {
                {{ this.cluster.get_name() }}.addLayers(markers);
            });
            {{ this.get_name() }}.on("remove", function () {
                {{ this.cluster.get_name() }}.removeLayers(markers);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, name: str, rows: list, cluster: ProjectCluster, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "SegmentLayer"
        self.rows = js_json(rows)
        self.cluster = cluster


class PointLayer(Layer, RawRender):
    """Enterprises or parks: a toggleable cluster of its own (there can be
    tens of thousands of enterprises), popups built on opening.

    rows: [lat, lon, css_index, title, value_0, value_1, ...]; ``labels``
    names the values, ``css`` the marker classes. Values repeat a lot
    ("吉林省长春市", "位置为近似（市（州）中心）"), so rows carry indexes into one
    string table: a third of the bytes at 10,000 enterprises.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.markerClusterGroup({
            chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 40,
            iconCreateFunction: function (c) {
                return L.divIcon({html: "<div><span>" + c.getChildCount() + "</span></div>",
                                  className: "marker-cluster zs-cluster-{{ this.kind }}",
                                  iconSize: L.point(34, 34)});
            }
        });
        (function () {
            var meta = {{ this.meta }}, size = {{ this.size }};
            {{ this.get_name() }}.addLayers({{ this.rows }}.map(function (r) {
                var mk = L.marker([r[0], r[1]], {title: r[3], icon: L.divIcon({
                    className: "", iconSize: [size, size],
                    html: '<div class="' + meta.css[r[2]] + '" style="width:' + size
                        + 'px;height:' + size + 'px"></div>'})});
                mk.bindPopup(function () {
                    var dl = "";
                    meta.labels.forEach(function (label, i) {
                        var v = meta.strings[r[4 + i]];
                        if (v !== "" && v != null) {
                            dl += "<dt>" + zsEsc(label) + "</dt><dd>" + zsEsc(v) + "</dd>";
                        }
                    });
                    return '<div class="zs-popup"><strong>' + zsEsc(r[3]) + "</strong><dl>"
                        + dl + "</dl></div>";
                });
                return mk;
            }));
        })();
        {% endmacro %}
    """)

    def __init__(self, name: str, rows: list, *, kind: str, css: list[str], labels: list[str],
                 size: int = 12, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointLayer"
        self.kind = kind  # for the cluster's CSS class
        strings: dict[str, int] = {}
        packed = [r[:4] + [strings.setdefault(v, len(strings)) for v in r[4:]] for r in rows]
        self.rows = js_json(packed)
        self.meta = js_json({"css": css, "labels": labels, "strings": list(strings)})
        self.size = int(size)


class LineLayer(Layer, RawRender):
    """The 吉浙 layer: lines [[lat, lon], [lat, lon], style_index, tooltip] and
    labelled dots [lat, lon, tooltip], plus child layers (Zhejiang's outline).

    One element instead of a folium PolyLine + Tooltip per line: each folium
    object compiles its own Jinja template at render time (~1.5 ms apiece).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
            var styles = {{ this.styles }};
            {{ this.lines }}.forEach(function (l) {
                L.polyline([l[0], l[1]], styles[l[2]]).bindTooltip(zsEsc(l[3]), {sticky: true})
                    .addTo({{ this.get_name() }});
            });
            {{ this.dots }}.forEach(function (d) {
                L.circleMarker([d[0], d[1]], {radius: 4, color: "#00695c", fillOpacity: 1})
                    .bindTooltip(zsEsc(d[2])).addTo({{ this.get_name() }});
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, name: str, lines: list, styles: list[dict], dots: list,
                 show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LineLayer"
        self.lines = js_json(lines)
        self.styles = js_json(styles)
        self.dots = js_json(dots)


class FitOnAdd(RawRender):
    """Zoom to ``bounds`` when ``layer`` is switched on (the 吉浙 layer spans
    two provinces 2,000 km apart)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.layer.get_name() }}.on("add", function () {
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds }});
        });
        {% endmacro %}
    """)

    def __init__(self, layer: Layer, bounds):
        super().__init__()
        self.layer = layer
        self.bounds = js_json(bounds)


class Legend(RawRender):
    """A Leaflet control with pre-rendered (escaped) HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "zs-legend");
                div.innerHTML = {{ this.html }};
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self.html = js_json(html)


class LayerControl(FoliumLayerControl, RawRender):
    """folium's layer control, safe for user text in layer names.

    Leaflet puts each name into the control with ``innerHTML``: names are plain
    text here, HTML-escaped once and passed as JSON data; the output is never
    compiled as a template (``RawRender``).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.layers(
            {{ this.js_layers(this.base_layers) }},
            {{ this.js_layers(this.overlays) }},
            {{ this.js_options }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.js_options = js_json(self.options)

    @staticmethod
    def js_layers(layers: dict[str, str]) -> str:
        """{escaped name: layer variable} as a JS object literal."""
        return "{" + ",".join(f"{js_json(html.escape(name))}:{var}"
                              for name, var in layers.items()) + "}"
