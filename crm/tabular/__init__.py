"""Flask-free spreadsheet I/O: value parsing, header matching, readers,
streaming writers and enterprise-name normalisation."""

from .divisions import city_name, parse_city_code
from .headers import FieldSpec, HeaderMatch, find_header_row, match_headers
from .names import best_matches, name_score, normalize_name
from .readers import RawRow, RawSheet, ReadError, read_table
from .values import CellError, clean_text, parse_amount_wan, parse_bool, parse_date, parse_int
from .writers import Column, iter_csv, neutralize, title_line, unneutralize, write_csv, write_xlsx

__all__ = [
    "CellError",
    "Column",
    "FieldSpec",
    "HeaderMatch",
    "RawRow",
    "RawSheet",
    "ReadError",
    "best_matches",
    "city_name",
    "clean_text",
    "find_header_row",
    "iter_csv",
    "match_headers",
    "name_score",
    "neutralize",
    "normalize_name",
    "parse_amount_wan",
    "parse_bool",
    "parse_city_code",
    "parse_date",
    "parse_int",
    "read_table",
    "title_line",
    "unneutralize",
    "write_csv",
    "write_xlsx",
]
