from django.urls import path

from coaching.views import caseload, partners, people, records, referrals

app_name = "coaching"

urlpatterns = [
    path("caseload/", caseload.CaseloadView.as_view(), name="caseload"),
    path("reassign/", caseload.ReassignView.as_view(), name="reassign"),
    path(
        "entrepreneurs/<int:profile_pk>/sessions/new/",
        records.SessionCreateView.as_view(),
        name="session_create",
    ),
    path("sessions/<int:pk>/", records.SessionDetailView.as_view(), name="session_detail"),
    path("sessions/<int:pk>/edit/", records.SessionUpdateView.as_view(), name="session_update"),
    path(
        "entrepreneurs/<int:profile_pk>/milestones/new/",
        records.MilestoneCreateView.as_view(),
        name="milestone_create",
    ),
    path(
        "entrepreneurs/<int:profile_pk>/referrals/new/",
        referrals.ReferralCreateView.as_view(),
        name="referral_create",
    ),
    path("referrals/", referrals.ReferralListView.as_view(), name="referral_list"),
    path("referrals/<int:pk>/", referrals.ReferralDetailView.as_view(), name="referral_detail"),
    path(
        "entrepreneurs/<int:profile_pk>/financing/new/",
        referrals.FinancingCreateView.as_view(),
        name="financing_create",
    ),
    path("financing/<int:pk>/", referrals.FinancingDetailView.as_view(), name="financing_detail"),
    path("financing/<int:pk>/edit/", referrals.FinancingUpdateView.as_view(), name="financing_update"),
    path("partners/", partners.PartnerListView.as_view(), name="partner_list"),
    path("partners/new/", partners.PartnerFormView.as_view(), name="partner_create"),
    path("partners/<int:pk>/", partners.PartnerDetailView.as_view(), name="partner_detail"),
    path("partners/<int:pk>/edit/", partners.PartnerFormView.as_view(), name="partner_update"),
    path("me/", people.MyCoachingView.as_view(), name="my_coaching"),
    path("impact/", people.ImpactView.as_view(), name="impact"),
]
