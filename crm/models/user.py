"""Users, their roles, API tokens, server-side login sessions and login throttling."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models.base import utcnow


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=60)
    display_name: str = ""
    password_hash: str
    role: str = "viewer"  # see crm.rules.ROLES
    city_code: str | None = Field(default=None, max_length=6)
    is_active: bool = True
    # The ceiling across all client addresses (crm.services.logins): attempts since
    # failed_since, and the lock for every address once they pass LOGIN_CEILING.
    failed_logins: int = 0
    failed_since: datetime | None = None
    locked_until: datetime | None = None
    password_changed_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def label(self) -> str:
        return self.display_name or self.username


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored; the token is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    name: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None  # always set since 0015; NULL counts as expired
    last_used_at: datetime | None = None  # to the hour (crm.services.users.TOKEN_TOUCH)
    revoked_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """One browser login. The signed cookie carries a random key whose SHA-256 is
    stored here; logout deletes the row, a password change deletes the user's others."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    key_hash: str = Field(unique=True, max_length=64)
    # SHA-256 of user agent + client address at login; another one ends the session
    fingerprint: str = Field(max_length=64)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow, index=True)


class LoginThrottle(SQLModel, table=True):
    """Login attempts per (username as typed, client address) in the current window.
    Known and unknown usernames alike, so the lock tells nothing about who exists."""

    __table_args__ = (UniqueConstraint("username", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    address: str = Field(max_length=64)
    attempts: int = 0
    window_start: datetime = Field(default_factory=utcnow, index=True)
    locked_until: datetime | None = None
