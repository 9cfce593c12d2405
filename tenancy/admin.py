from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import ApiToken, AuditLogEntry, Covenant, Membership, Municipality, Supplier, Team


@admin.register(Municipality)
class MunicipalityAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "city", "evaluation_day", "strict_intake"]
    search_fields = ["code", "name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["municipality", "kind"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "role"]
    list_filter = ["municipality", "role"]
    filter_horizontal = ["teams"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_type"]


@admin.register(Covenant)
class CovenantAdmin(admin.ModelAdmin):
    list_display = ["supplier", "municipality", "valid_from", "valid_to"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "municipality", "supplier", "last_used_at", "revoked_at"]
    readonly_fields = ["key_prefix", "key_hash", "last_used_at", "created_at"]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "municipality", "actor", "action", "object_type", "object_id", "person_ref"]
    list_filter = ["municipality", "action"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
