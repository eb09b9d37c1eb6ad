from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from funds.models import FunderRepayment, FundSource, Tranche


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0


class FunderRepaymentInline(admin.TabularInline):
    model = FunderRepayment
    extra = 0


@admin.register(FundSource)
class FundSourceAdmin(TranslationAdmin):  # the terms in French and English
    list_display = ("name", "kind", "amount_committed", "committed_on", "language", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    inlines = [TrancheInline, FunderRepaymentInline]
    fieldsets = (
        (None, {"fields": ("name", "kind", "amount_committed", "committed_on", "language", "is_active")}),
        (
            _("Terms of repayment"),
            {"fields": ("terms", "annual_return_rate", "repayable_on", "bears_losses")},
        ),
        (
            _("Eligibility (restricted fund)"),
            {"fields": ("min_age", "max_age", "postal_prefixes", "population", "max_per_loan")},
        ),
    )
