#!/usr/bin/env bash
# Every benchmark in bench/, one after the other; results in bench/results/.
#   bench/run_all.sh            full size (100k enterprises / 30k projects / 300k follow-ups)
#   SCALE=0.1 bench/run_all.sh  a tenth, for a quick look
# ZHAOSHANG_DATABASE_URL selects the database for the generator and the page benchmark
# (default: SQLite at bench/data/bench.db); a database that already has data is reused.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SCALE=${SCALE:-1}
status=0
run() {
    echo "=== $* ==="
    "$@" || { echo "!!! failed: $*"; status=1; }
}
if [ -z "${ZHAOSHANG_DATABASE_URL:-}" ] && [ ! -f bench/data/bench.db ]; then
    run $PY bench/generate.py --scale "$SCALE"
elif [ -n "${ZHAOSHANG_DATABASE_URL:-}" ]; then
    $PY bench/generate.py --scale "$SCALE" 2>/dev/null || echo "(data already loaded)"
fi
run $PY bench/bench_pages.py --queries --label run
run $PY bench/bench_pages.py --label run
[ -f bench/bench_map.py ] && run $PY bench/bench_map.py
[ -f bench/bench_export.py ] && run $PY bench/bench_export.py
[ -f bench/bench_import.py ] && run $PY bench/bench_import.py
[ -f bench/load.py ] && run $PY bench/load.py
exit $status
