"""Documents are shown read-only to coordinators: they are made and purged by the application."""

from django.contrib import admin

from documents.models import Document
from microcredit.core.admin import ReadOnlyAdminMixin


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "kind", "requested_by", "status", "language", "pages", "created_at", "finished_at")
    list_filter = ("kind", "status", "language")
    search_fields = ("requested_by__username", "requested_by__last_name")
    readonly_fields = [field.name for field in Document._meta.fields]
