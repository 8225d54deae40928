"""产业招商地图 in the CRM: the map page, its download, ``zhaoshang map`` (cli) and
the database → MapData queries (data). Geography and drawing live in maps/, a
library that never imports crm: the vocabularies go in through MapOptions."""
