from .audit import AppendOnlyError, AuditLogEntry
from .base import TenantModel, TenantQuerySet
from .municipality import Membership, Municipality, Role, Team
from .suppliers import ApiToken, Covenant, PartnerType, Supplier, SupplierMembership

__all__ = [
    "ApiToken",
    "AppendOnlyError",
    "AuditLogEntry",
    "Covenant",
    "Membership",
    "Municipality",
    "PartnerType",
    "Role",
    "Supplier",
    "SupplierMembership",
    "Team",
    "TenantModel",
    "TenantQuerySet",
]
