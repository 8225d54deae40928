"""One configuration object, read from ZHAOSHANG_* environment variables.

Tests and callers override any key by passing a mapping to ``create_app``.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"ZHAOSHANG_{name}", default)


def default_instance_path() -> Path:
    return Path(_env("INSTANCE_PATH") or PROJECT_ROOT / "instance")


class Config:
    """Defaults; each can be set as ZHAOSHANG_<KEY> in the environment."""

    def __init__(self) -> None:
        instance = default_instance_path()
        self.INSTANCE_PATH = str(instance)
        self.DATABASE_URL = _env("DATABASE_URL") or f"sqlite:///{instance / 'zhaoshang.db'}"
        self.SECRET_KEY = _env("SECRET_KEY") or _stable_secret(instance)
        # The office's time zone: "today" for overdue lists, lights, exports and stats.
        self.TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
        # Progress light (红黄绿): days since the last follow-up.
        self.LIGHT_AMBER_DAYS = int(_env("LIGHT_AMBER_DAYS", "30"))
        self.LIGHT_RED_DAYS = int(_env("LIGHT_RED_DAYS", "60"))
        self.PAGE_SIZE = int(_env("PAGE_SIZE", "50"))
        # Follow-up and audit lists count at most this many rows and then say "10000+".
        self.LIST_COUNT_CAP = int(_env("LIST_COUNT_CAP", "10000"))
        self.SESSION_IDLE_MINUTES = int(_env("SESSION_IDLE_MINUTES", "30"))
        self.LOGIN_MAX_FAILURES = int(_env("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_LOCK_MINUTES = int(_env("LOGIN_LOCK_MINUTES", "15"))
        # Failures per (username, client address) lock that address only; this many
        # across all addresses within LOGIN_LOCK_MINUTES lock the account everywhere.
        self.LOGIN_CEILING = int(_env("LOGIN_CEILING", "50"))
        # A browser session is bound to its user agent, and to its client address
        # unless this is 0 (clients whose address changes, e.g. mobile networks).
        self.SESSION_BIND_ADDRESS = _env("SESSION_BIND_ADDRESS", "1") != "0"
        # API tokens expire this many days after they are created.
        self.TOKEN_DAYS = int(_env("TOKEN_DAYS", "180"))
        # Map base layer: none | tianditu | amap | custom (see README).
        self.MAP_TILES = _env("MAP_TILES", "none")
        self.MAP_TILE_URL = _env("MAP_TILE_URL", "")
        self.TIANDITU_KEY = _env("TIANDITU_KEY", "")
        # Where readers of a downloaded map reach the app (its project links);
        # unset, the file has no links (a local address would be useless to them).
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "")
        self.SESSION_COOKIE_SECURE = _env("COOKIE_SECURE", "0") == "1"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.BOOTSTRAP_SERVE_LOCAL = True
        # Uploads: the request as a whole (larger ones get a Chinese 413 page), and what
        # an imported table may hold, checked before it is parsed (crm/tabular/limits.py).
        self.MAX_CONTENT_LENGTH = int(_env("MAX_UPLOAD_MB", "32")) * 1024 * 1024
        self.IMPORT_MAX_UNCOMPRESSED_MB = int(_env("IMPORT_MAX_UNCOMPRESSED_MB", "200"))
        self.IMPORT_MAX_ENTRIES = int(_env("IMPORT_MAX_ENTRIES", "1000"))
        self.IMPORT_MAX_ROWS = int(_env("IMPORT_MAX_ROWS", "200000"))
        self.IMPORT_MAX_COLUMNS = int(_env("IMPORT_MAX_COLUMNS", "256"))
        self.IMPORT_MAX_CELLS = int(_env("IMPORT_MAX_CELLS", "6000000"))
        self.IMPORT_MAX_CELL_CHARS = int(_env("IMPORT_MAX_CELL_CHARS", "32767"))
        self.IMPORT_MAX_CSV_MB = int(_env("IMPORT_MAX_CSV_MB", "20"))
        # Attachments (合同、会议纪要、现场照片…) on records: the largest one file may be.
        # The whole request is capped by MAX_UPLOAD_MB first.
        self.ATTACHMENT_MAX_MB = int(_env("ATTACHMENT_MAX_MB", "20"))
        self.JSON_AS_ASCII = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _stable_secret(instance: Path) -> str:
    """A per-installation secret kept in instance/, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = os.urandom(32).hex()
    path.write_text(secret)
    path.chmod(0o600)
    return secret
