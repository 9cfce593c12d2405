"""Admin of the BVV parameter sets: national law, so only a superuser may add or change them."""

from django.contrib import admin
from django.http import HttpRequest

from thresholds.models.bvv import BvvParameterSet, RepaymentPolicy


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(BvvParameterSet)
class BvvParameterSetAdmin(SuperuserOnlyAdmin):
    list_display = [
        "valid_from",
        "valid_until",
        "norm_single",
        "norm_couple",
        "cap_single",
        "cap_couple_children",
    ]


@admin.register(RepaymentPolicy)
class RepaymentPolicyAdmin(SuperuserOnlyAdmin):
    list_display = [
        "municipality",
        "valid_from",
        "norm_percentage",
        "excess_percentage",
        "created_by",
        "created_at",
    ]
    list_filter = ["municipality"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # append-only: administrators record changes through the policy page
