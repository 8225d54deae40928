"""Rebuild seeds/china_divisions.csv from yescallop/areacodes (CC0; MCA's GB/T 2260 list).

    git -C areacodes show <commit>:data/2024.txt | python scripts/build_china_divisions.py

Rows: every province, prefecture and county of one year's list. A county's parent is
its prefecture, or its province when it has none (districts of 北京/上海/天津/重庆,
county-level cities under a province such as 仙桃市)."""

import csv
import sys

rows = [line.split(maxsplit=1) for line in sys.stdin.read().splitlines() if line.strip()]
codes = {code for code, _ in rows}
provinces = {code[:2]: name for code, name in rows if code.endswith("0000")}
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code", "name", "level", "parent_code", "province"])
for code, name in rows:
    if code.endswith("0000"):
        level, parent = "province", ""
    elif code.endswith("00"):
        level, parent = "prefecture", code[:2] + "0000"
    else:
        level = "county"
        parent = code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
    out.writerow([code, name.strip(), level, parent, provinces[code[:2]]])
