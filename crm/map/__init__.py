"""产业招商地图: the map page (geography and drawing live in maps/)."""
