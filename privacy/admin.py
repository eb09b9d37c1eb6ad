from django.contrib import admin

from microcredit.core.admin import ReadOnlyAdminMixin
from privacy.models import AnonymizationRecord, Incident, PolicyVersion, PrivacyRequest


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = ("received_on", "requester", "kind", "due_on", "status", "answered_on")
    list_filter = ("kind", "status")
    search_fields = ("requester", "profile__user__last_name")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("discovered_on", "risk", "commission_notified_on", "people_notified_on")
    list_filter = ("risk",)
    search_fields = ("description",)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("effective_on", "created_by", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnonymizationRecord)
class AnonymizationRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("profile", "category", "last_activity", "anonymized_at", "anonymized_by")
