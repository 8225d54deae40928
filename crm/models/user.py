"""Users, their roles and API tokens."""

from datetime import datetime

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
    failed_logins: int = 0
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
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
