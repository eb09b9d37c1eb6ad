"""The Django admin, for coordinators. Statuses only move through the app (services) so that every
change is in the history; the history rows are read-only."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from coaching.models import (
    CaseloadCount,
    CaseloadPosition,
    CaseloadTally,
    CoachingSession,
    FinancingApplication,
    FinancingStatusChange,
    Milestone,
    Partner,
    PartnerContact,
    Referral,
    ReferralStatusChange,
    SessionTopic,
)
from coaching.services import caseload_position_refresh
from microcredit.core.admin import ReadOnlyAdminMixin

PERSON_SEARCH = ("profile__user__first_name", "profile__user__last_name", "profile__business_name")


class KeepsCaseloadPositionMixin:
    """Sessions and referrals saved or deleted here keep the people's caseload positions, as the services
    do (the admin runs each change in a transaction)."""

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).values_list("profile_id", flat=True).first()
        super().save_model(request, obj, form, change)
        caseload_position_refresh(profile_ids=[obj.profile_id, *([before] if before else [])])

    def delete_model(self, request, obj):
        profile_id = obj.profile_id
        super().delete_model(request, obj)
        caseload_position_refresh(profile_ids=[profile_id])

    def delete_queryset(self, request, queryset):
        profile_ids = list(queryset.values_list("profile_id", flat=True))
        super().delete_queryset(request, queryset)
        caseload_position_refresh(profile_ids=profile_ids)


class SessionTopicInline(admin.TabularInline):
    model = SessionTopic
    extra = 0


@admin.register(CoachingSession)
class CoachingSessionAdmin(KeepsCaseloadPositionMixin, admin.ModelAdmin):
    list_display = ("profile", "held_on", "advisor", "mode", "duration_minutes", "next_follow_up_on")
    list_filter = ("mode", "advisor", "held_on", "topics__topic")
    search_fields = (*PERSON_SEARCH, "shared_summary", "next_steps")
    list_select_related = ("profile__user", "advisor")
    autocomplete_fields = ("profile",)
    date_hierarchy = "held_on"
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = [SessionTopicInline]


@admin.register(SessionTopic)
class SessionTopicAdmin(admin.ModelAdmin):
    list_display = ("session", "topic")
    list_filter = ("topic",)
    search_fields = ("session__profile__user__first_name", "session__profile__user__last_name")
    list_select_related = ("session__profile__user",)
    raw_id_fields = ("session",)


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(TranslationAdmin):  # the services in French and English
    list_display = ("name", "kind", "phone", "email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "services_fr", "services_en", "contacts__name", "email")
    inlines = [PartnerContactInline]


@admin.register(PartnerContact)
class PartnerContactAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "partner", "email", "phone")
    list_filter = ("partner__kind",)
    search_fields = ("name", "title", "email", "partner__name")
    list_select_related = ("partner",)


class ReferralStatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReferralStatusChange
    extra = 0
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(KeepsCaseloadPositionMixin, admin.ModelAdmin):
    list_display = ("profile", "partner", "referred_on", "status")
    list_filter = ("status", "partner__kind", "partner", "referred_on")
    search_fields = (*PERSON_SEARCH, "partner__name", "reason", "outcome")
    list_select_related = ("profile__user", "partner")
    date_hierarchy = "referred_on"
    readonly_fields = ("profile", "status", "outcome", "created_by", "created_at", "updated_at")
    inlines = [ReferralStatusChangeInline]

    def has_add_permission(self, request):
        return False  # created in the app, which writes the first row of the history


@admin.register(ReferralStatusChange)
class ReferralStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("referral", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status", "changed_at")
    search_fields = ("referral__profile__user__first_name", "referral__profile__user__last_name", "note")
    list_select_related = ("referral__profile__user", "referral__partner", "changed_by")
    date_hierarchy = "changed_at"


class FinancingStatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FinancingStatusChange
    extra = 0
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields


@admin.register(FinancingApplication)
class FinancingApplicationAdmin(admin.ModelAdmin):
    list_display = ("profile", "kind", "program", "partner", "amount_requested", "status", "amount_obtained")
    list_filter = ("kind", "status", "partner")
    search_fields = (*PERSON_SEARCH, "program", "partner__name")
    list_select_related = ("profile__user", "partner")
    date_hierarchy = "started_on"
    readonly_fields = (
        "profile",
        "kind",
        "status",
        "amount_obtained",
        "submitted_on",
        "decided_on",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = [FinancingStatusChangeInline]

    def has_add_permission(self, request):
        return False  # created in the app, which writes the first row of the history


@admin.register(FinancingStatusChange)
class FinancingStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status", "changed_at")
    search_fields = (
        "application__profile__user__first_name",
        "application__profile__user__last_name",
        "application__program",
    )
    list_select_related = ("application__profile__user", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("profile", "kind", "achieved_on", "jobs_count", "revenue_band")
    list_filter = ("kind", "revenue_band", "achieved_on")
    search_fields = (*PERSON_SEARCH, "note")
    list_select_related = ("profile__user",)
    autocomplete_fields = ("profile",)
    date_hierarchy = "achieved_on"
    readonly_fields = ("recorded_by", "created_at")


@admin.register(CaseloadTally)
class CaseloadTallyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: what a person is counted under in the caseload counters (``rebuild_caseload``): shown only."""

    list_display = ("profile", "advisor_key", "has_email", "follow_up_on", "since_on", "flagged_from")
    list_select_related = ("profile__user",)


@admin.register(CaseloadCount)
class CaseloadCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived: the caseload counters the homes read (``rebuild_caseload``): shown only."""

    list_display = ("advisor_key", "kind", "day", "count")
    list_filter = ("kind",)


@admin.register(CaseloadPosition)
class CaseloadPositionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived from the sessions and referrals (``manage.py rebuild_caseload``): shown only."""

    list_display = ("profile", "last_contact_on", "next_follow_up_on", "open_referrals")
    search_fields = PERSON_SEARCH
    list_select_related = ("profile__user",)
