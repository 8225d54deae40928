"""All tables, imported here so SQLModel.metadata knows them (Alembic reads it)."""

from crm.models.attachment import Attachment
from crm.models.audit import AuditChainHead, AuditLog
from crm.models.enterprise import (
    Contact,
    ContactBase,
    Enterprise,
    EnterpriseCreate,
    EnterprisePublic,
    EnterpriseUpdate,
)
from crm.models.followup import FollowUp, FollowUpCreate, FollowUpPublic, FollowUpUpdate
from crm.models.funding import CityRewardRule, FundArrival
from crm.models.project import (
    Project,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    StageChange,
)
from crm.models.reference import (
    ChainSegment,
    Division,
    JizhePairing,
    Park,
    PolicyMeasure,
    Setting,
)
from crm.models.user import ApiToken, LoginThrottle, User, UserSession

__all__ = [
    "ApiToken", "Attachment", "AuditChainHead", "AuditLog", "ChainSegment", "CityRewardRule",
    "FundArrival",
    "Contact", "ContactBase", "Division",
    "Enterprise", "EnterpriseCreate", "EnterprisePublic", "EnterpriseUpdate", "FollowUp",
    "FollowUpCreate", "FollowUpPublic", "FollowUpUpdate", "JizhePairing", "Park",
    "PolicyMeasure", "Project", "ProjectCreate", "ProjectPublic", "ProjectUpdate", "Setting",
    "StageChange", "User", "UserSession", "LoginThrottle",
]
