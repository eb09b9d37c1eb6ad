"""Admin for coordinators: products are edited here; loans, payments and their history are shown read-only,
because every change to them goes through loans.services (locks, rules, history)."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from loans.models import (
    AdvisorDigest,
    Allocation,
    ArrearsCount,
    ArrearsTally,
    CircleVote,
    GuaranteeCall,
    GuaranteeCallNotice,
    GuaranteedLoan,
    Guarantor,
    Instalment,
    Loan,
    LoanPosition,
    LoanProduct,
    LoanTransition,
    MonthFigures,
    Payment,
    PaymentReversal,
    PortfolioDay,
    PositionMonth,
    PositionSnapshot,
    Reminder,
    Restructuring,
    ScheduleVersion,
    ScheduleVersionLine,
    Settlement,
)
from microcredit.core.admin import ReadOnlyAdminMixin
from microcredit.core.bilingual import displayed


@admin.register(LoanProduct)
class LoanProductAdmin(TranslationAdmin):  # name and description in French and English
    list_display = (
        "name",
        "min_amount",
        "max_amount",
        "annual_rate",
        "min_term",
        "max_term",
        "frequency",
        "is_active",
    )
    list_filter = ("frequency", "is_active")
    search_fields = ("name_fr", "name_en")
    filter_horizontal = ("funds",)

    def get_ordering(self, request):
        return [displayed("name"), "pk"]  # the name shown (in English, the untranslated ones too)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.loans.exists()


class TransitionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LoanTransition
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0


class InstalmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Instalment
    fields = ("number", "due_date", "principal_due", "interest_due")
    readonly_fields = fields
    extra = 0


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "pk",
        "borrower",
        "status",
        "amount",
        "approved_amount",
        "guarantee_type",
        "circle",
        "disbursed_on",
    )
    list_filter = ("status", "guarantee_type", "product", "circle")
    search_fields = ("pk", "borrower__user__first_name", "borrower__user__last_name", "purpose")
    list_select_related = ("borrower__user", "circle")
    date_hierarchy = "created_at"
    inlines = [TransitionInline, InstalmentInline]


@admin.register(LoanTransition)
class LoanTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = ("loan__pk", "note")
    list_select_related = ("loan__borrower__user", "changed_by")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "paid_on", "amount", "method", "payer", "recorded_by")
    list_filter = ("method", "paid_on")
    search_fields = ("loan__pk", "reference", "payer__user__last_name")
    list_select_related = ("loan__borrower__user", "payer__user", "recorded_by")
    date_hierarchy = "paid_on"


@admin.register(PaymentReversal)
class PaymentReversalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("payment", "reason", "reversed_by", "reversed_at")
    search_fields = ("reason", "payment__loan__pk")
    list_select_related = ("payment__loan__borrower__user", "reversed_by")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("payment", "instalment", "paid_on", "interest", "principal")
    search_fields = ("loan__pk",)
    list_select_related = ("payment__loan", "instalment")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "number", "due_date", "principal_due", "interest_due", "settled_on")
    list_filter = ("due_date",)
    search_fields = ("loan__pk",)
    list_select_related = ("loan__borrower__user",)


@admin.register(PositionMonth)
class PositionMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The month ends whose positions were taken (the daily task ``loans.snapshot_months``): shown only."""

    list_display = ("month_end", "taken_at")


@admin.register(PositionSnapshot)
class PositionSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: a loan's position at a month end (``manage.py rebuild_ledger`` recomputes them)."""

    list_display = ("month_end", "loan", "principal_paid_cents", "first_unsettled_due")
    list_filter = ("month_end",)


@admin.register(MonthFigures)
class MonthFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: a closed month's figures, kept (``loans.month_figures``; forgotten by any change dated in
    the month, computed again at the next read): shown only."""

    list_display = ("month_end", "name", "computed_at")
    list_filter = ("name",)
    exclude = ("figures",)  # hundreds of kilobytes of JSON


@admin.register(ArrearsTally)
class ArrearsTallyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: what a loan is counted under in the arrears counters (``rebuild_ledger`` recomputes it)."""

    list_display = ("loan", "circle_advisor_key", "borrower_advisor_key", "unsettled_due")


@admin.register(ArrearsCount)
class ArrearsCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: the arrears counters the homes read (``rebuild_ledger`` recomputes them)."""

    list_display = ("advisor_key", "day", "count")


@admin.register(LoanPosition)
class LoanPositionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived figures for the board's report (``manage.py rebuild_ledger`` recomputes them)."""

    list_display = (
        "loan",
        "disbursed_on",
        "lent_cents",
        "principal_paid_cents",
        "interest_paid_cents",
        "first_unsettled_due",
        "written_off_at",
    )
    list_filter = ("guaranteed", ("written_off_at", admin.EmptyFieldListFilter))
    search_fields = ("loan__pk",)
    list_select_related = ("loan__borrower__user",)


@admin.register(PortfolioDay)
class PortfolioDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived figures for the board's report (``manage.py rebuild_ledger`` recomputes them)."""

    list_display = (
        "day",
        "product_key",
        "due_cents",
        "collected_cents",
        "disbursed_count",
        "disbursed_cents",
    )
    date_hierarchy = "day"


@admin.register(CircleVote)
class CircleVoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "review_round", "member", "vote", "recorded_by", "recorded_at")
    list_filter = ("vote",)
    search_fields = ("loan__pk", "member__user__last_name")
    list_select_related = ("loan__borrower__user", "member__user", "recorded_by")


@admin.register(Guarantor)
class GuarantorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "member")
    search_fields = ("loan__pk", "member__user__last_name")
    list_select_related = ("loan__borrower__user", "member__user")


@admin.register(GuaranteeCall)
class GuaranteeCallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("circle", "loan", "opened_at", "resolved_at", "outcome")
    list_filter = ("outcome", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("circle__name", "loan__pk", "note")
    list_select_related = ("circle", "loan__borrower__user")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "instalment", "kind", "channel", "status", "created_at", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("loan__pk", "recipient", "error")
    list_select_related = ("loan__borrower__user", "instalment")
    date_hierarchy = "created_at"


@admin.register(AdvisorDigest)
class AdvisorDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("advisor", "day", "status", "overdue_loans", "people_to_call", "sent_at")
    list_filter = ("status", "day")
    search_fields = ("advisor__last_name", "recipient")
    list_select_related = ("advisor",)


@admin.register(Restructuring)
class RestructuringAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "kind", "status", "proposed_by", "decided_by", "decided_on")
    list_filter = ("kind", "status")
    list_select_related = ("loan__borrower__user", "proposed_by", "decided_by")


class ScheduleVersionLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScheduleVersionLine
    extra = 0


@admin.register(ScheduleVersion)
class ScheduleVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "number", "replaced_on", "reason", "kept")
    list_filter = ("reason",)
    inlines = [ScheduleVersionLineInline]


@admin.register(ScheduleVersionLine)
class ScheduleVersionLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("version", "number", "due_date", "principal_due", "interest_due", "paid")


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("loan", "settled_on", "interest_accrued", "interest_waived")
    list_select_related = ("loan__borrower__user",)


@admin.register(GuaranteeCallNotice)
class GuaranteeCallNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("call", "member", "kind", "status", "created_at", "sent_at", "attempts")
    list_filter = ("kind", "status")
    search_fields = ("call__loan__pk", "member__user__last_name")
    list_select_related = ("call__circle", "call__loan__borrower__user", "member__user")


@admin.register(GuaranteedLoan)
class GuaranteedLoanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The guarantors' reading of loans (a proxy of Loan): read-only, like the loans."""

    list_display = ("pk", "borrower", "status", "amount", "guarantee_type")
    list_filter = ("status",)
    search_fields = ("pk", "borrower__user__last_name")
    list_select_related = ("borrower__user",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(guarantors__isnull=False).distinct()
