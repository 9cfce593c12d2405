from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import ContactAttempt, WorkBasket, WorkItem, WorkItemEvent


@admin.register(WorkBasket)
class WorkBasketAdmin(GuardedModelAdmin):
    list_display = ("name", "municipality", "position", "match_mode", "is_active")
    list_filter = ("municipality", "is_active")
    ordering = ("municipality", "position")


class ContactAttemptInline(admin.TabularInline):
    model = ContactAttempt
    extra = 0
    raw_id_fields = ("user",)


class WorkItemEventInline(admin.TabularInline):
    model = WorkItemEvent
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("kind", "text", "user", "created_at")


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = ("pk", "person_ref", "municipality", "basket", "status", "assignee", "due_date")
    list_filter = ("municipality", "status", "kind")
    search_fields = ("person_ref",)
    raw_id_fields = ("basket", "debtor", "case", "signals", "assignee", "shared_with")
    readonly_fields = ("routing", "facts", "created_at", "closed_at")
    inlines = [ContactAttemptInline, WorkItemEventInline]
