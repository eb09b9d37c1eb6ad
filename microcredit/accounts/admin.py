from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from microcredit.accounts import services
from microcredit.accounts.models import (
    AdvisorAssignment,
    ConsentRecord,
    Demographics,
    EntrepreneurProfile,
    Invitation,
    User,
)
from microcredit.core.admin import ReadOnlyAdminMixin


class InvitationInline(ReadOnlyAdminMixin, admin.StackedInline):
    """The invitation's email: sent by the task, read here (``microcredit/core/jobs.py``)."""

    model = Invitation
    fields = ("status", "created_at", "sent_at", "attempts", "error")
    readonly_fields = fields
    extra = 0


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "status", "created_at", "sent_at", "attempts")
    list_filter = ("status",)
    search_fields = ("user__username", "user__last_name", "user__email")
    list_select_related = ("user",)


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "language",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "language", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    readonly_fields = ("last_login", "date_joined")
    inlines = [InvitationInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "phone", "language")}),
        (_("Role and access"), {"fields": ("role", "is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "email", "password1", "password2")}),
    )


class DemographicsInline(admin.StackedInline):
    model = Demographics
    extra = 0
    can_delete = False
    readonly_fields = ("consent_given_at", "consent_withdrawn_at")

    # Answers are only recorded with consent, through the person's file (services.demographics_record):
    # the admin shows them and never edits them.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EntrepreneurProfile)
class EntrepreneurProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "business_name", "business_sector", "business_stage", "advisor", "intake_date")
    list_filter = ("business_stage", "business_sector", "advisor")
    search_fields = ("user__first_name", "user__last_name", "user__email", "business_name")
    list_select_related = ("user", "advisor")
    autocomplete_fields = ("user",)
    date_hierarchy = "intake_date"
    inlines = [DemographicsInline]

    def save_model(self, request, obj, form, change):
        # A change of advisor goes through the service, which keeps the assignment history.
        new_advisor = obj.advisor
        if change and "advisor" in form.changed_data:
            obj.advisor = EntrepreneurProfile.objects.get(pk=obj.pk).advisor
        super().save_model(request, obj, form, change)
        if (not change and new_advisor is not None) or "advisor" in form.changed_data:
            services.entrepreneur_assign_advisor(
                profile=obj, advisor=new_advisor, changed_by=request.user, reason=_("Changed in the admin")
            )
            obj.refresh_from_db()


@admin.register(Demographics)
class DemographicsAdmin(admin.ModelAdmin):
    list_display = ("profile", "consent_given_at", "consent_withdrawn_at")
    list_filter = (("consent_given_at", admin.EmptyFieldListFilter), "gender", "income_source")
    search_fields = ("profile__user__first_name", "profile__user__last_name")
    list_select_related = ("profile__user",)
    readonly_fields = ("profile", "consent_given_at", "consent_withdrawn_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AdvisorAssignment)
class AdvisorAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """History: read-only."""

    list_display = ("profile", "previous_advisor", "advisor", "changed_by", "changed_at")
    list_filter = ("advisor", "changed_at")
    search_fields = ("profile__user__first_name", "profile__user__last_name", "reason")
    list_select_related = ("profile__user", "previous_advisor", "advisor", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Consents per purpose: a history, read-only (changed through the person's file)."""

    list_display = ("profile", "purpose", "subject", "granted", "text_version", "recorded_at", "recorded_by")
    list_filter = ("purpose", "granted")
    search_fields = ("profile__user__first_name", "profile__user__last_name", "subject")
    list_select_related = ("profile__user", "recorded_by")
