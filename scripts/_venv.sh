# Shared by scripts/start and scripts/test: make .venv and install the project.
# Usage: source scripts/_venv.sh [extra]   (extra: "test" installs the test tools too)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv ..."
  "$PYTHON" -m venv .venv
fi
spec="."
[ "${1:-}" = "test" ] && spec=".[test]"
stamp=".venv/.installed-$(echo "$spec" | tr -dc 'a-z')-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "安装依赖（首次约需两分钟）..."
  for args in "--upgrade pip" "-e $spec"; do
    # pip's log is shown only on failure (it is full of notes about unused local mirrors)
    if ! .venv/bin/python -m pip install -q $args > .venv/pip.log 2>&1; then
      grep -v "^WARNING: Location" .venv/pip.log; echo "安装失败：pip install $args"; exit 1
    fi
  done
  touch "$stamp"
fi
