"""Admin for coordinators. Membership, status and history change only through the app's services (which lock
and check the rules), so here they are read-only; networks and characteristics are freely editable."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from circles.models import (
    BusinessFollowUp,
    CalendarFeed,
    Circle,
    CircleCharacteristic,
    CircleEvent,
    CircleNetwork,
    Meeting,
    MeetingAttendance,
    Membership,
    SessionAttendance,
    Training,
    TrainingParticipant,
    TrainingSession,
)
from microcredit.core.admin import ReadOnlyAdminMixin
from microcredit.core.bilingual import displayed


@admin.register(CircleNetwork)
class CircleNetworkAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name", "description")


@admin.register(CircleCharacteristic)
class CircleCharacteristicAdmin(TranslationAdmin):  # the name in French and English
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name_fr", "name_en")

    def get_ordering(self, request):
        return ["kind", displayed("name"), "pk"]  # the name shown (in English, the untranslated ones too)


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    fields = ("profile", "role", "joined_on", "left_on", "leave_reason", "leave_note")
    readonly_fields = fields
    extra = 0


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "advisor", "network", "created_on", "merged_into")
    list_filter = ("status", "network", "advisor", "characteristics")
    search_fields = ("name", "meeting_place")
    list_select_related = ("advisor", "network", "merged_into")
    readonly_fields = ("status", "merged_into", "closed_on", "training", "created_on")
    filter_horizontal = ("characteristics",)
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # circles are created in the app, which records their history

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("profile", "circle", "role", "joined_on", "left_on", "leave_reason")
    list_filter = ("leave_reason", "role", ("left_on", admin.EmptyFieldListFilter))
    search_fields = ("profile__user__first_name", "profile__user__last_name", "circle__name")
    list_select_related = ("profile__user", "circle")


@admin.register(CircleEvent)
class CircleEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("circle", "kind", "at", "actor", "profile", "other_circle")
    list_filter = ("kind",)
    search_fields = ("circle__name", "note")
    list_select_related = ("circle", "actor", "profile__user", "other_circle")
    date_hierarchy = "at"


class MeetingAttendanceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MeetingAttendance
    readonly_fields = ("profile", "status")
    extra = 0


class BusinessFollowUpInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = BusinessFollowUp
    readonly_fields = ("profile", "progress", "difficulties", "help_offered")
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("circle", "date", "start_time", "status", "recorded_by")
    list_filter = ("status", "circle__advisor")
    search_fields = ("circle__name", "agenda", "decisions")
    list_select_related = ("circle", "recorded_by")
    date_hierarchy = "date"
    readonly_fields = ("circle", "status", "recorded_by", "recorded_at")
    inlines = [MeetingAttendanceInline, BusinessFollowUpInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MeetingAttendance)
class MeetingAttendanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("meeting", "profile", "status")
    list_filter = ("status",)
    search_fields = ("profile__user__last_name", "meeting__circle__name")
    list_select_related = ("meeting__circle", "profile__user")


@admin.register(BusinessFollowUp)
class BusinessFollowUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("meeting", "profile")
    search_fields = ("profile__user__last_name", "meeting__circle__name", "progress")
    list_select_related = ("meeting__circle", "profile__user")


class TrainingSessionInline(admin.TabularInline):
    model = TrainingSession
    extra = 0


class TrainingParticipantInline(admin.TabularInline):
    model = TrainingParticipant
    extra = 0
    autocomplete_fields = ("profile",)


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ("title", "start_date", "end_date", "advisor")
    list_filter = ("advisor",)
    search_fields = ("title", "location")
    date_hierarchy = "start_date"
    inlines = [TrainingSessionInline, TrainingParticipantInline]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ("training", "date", "topic")
    search_fields = ("training__title", "topic")
    list_select_related = ("training",)


@admin.register(TrainingParticipant)
class TrainingParticipantAdmin(admin.ModelAdmin):
    list_display = ("profile", "training", "status")
    list_filter = ("status", "training")
    search_fields = ("profile__user__last_name", "profile__user__first_name", "training__title")
    list_select_related = ("profile__user", "training")
    autocomplete_fields = ("profile",)


@admin.register(SessionAttendance)
class SessionAttendanceAdmin(admin.ModelAdmin):
    list_display = ("session", "participant", "present")
    list_filter = ("present",)
    search_fields = ("participant__profile__user__last_name", "session__topic")
    list_select_related = ("session", "participant__profile__user")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who has a calendar address (the token itself is not shown); a coordinator can delete one."""

    list_display = ("user", "created_at")
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
