from django.contrib import admin

from microcredit.core.models import FileAccess, OrganizationSettings, Submission


class ReadOnlyAdminMixin:
    """For records that change only through the services (history, payments, memberships): shown, never
    added, changed or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrganizationSettings)
class OrganizationSettingsAdmin(admin.ModelAdmin):
    list_display = ("name", "circle_guarantee_threshold", "circle_min_members", "circle_max_members")

    def has_add_permission(self, request):
        return not OrganizationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "user", "content_type", "object_id", "created_at")
    list_filter = ("content_type",)
    search_fields = ("key", "user__username")


@admin.register(FileAccess)
class FileAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "user", "profile", "what", "detail")
    list_filter = ("what",)
    search_fields = ("user__username", "profile__user__last_name")
