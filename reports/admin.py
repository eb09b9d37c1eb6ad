from django.contrib import admin

from reports.models import FundSource


@admin.register(FundSource)
class FundSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "amount_committed", "committed_on", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
