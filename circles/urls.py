from django.urls import path

from circles.views import circles, meetings, trainings

app_name = "circles"

urlpatterns = [
    path("", circles.CircleListView.as_view(), name="circle_list"),
    path("mine/", circles.CircleListView.as_view(mine=True), name="my_circles"),
    path("new/", circles.CircleCreateView.as_view(), name="circle_create"),
    path("my-circle/", circles.MyCircleView.as_view(), name="my_circle"),
    path("<int:pk>/", circles.CircleDetailView.as_view(), name="circle_detail"),
    path("<int:pk>/edit/", circles.CircleUpdateView.as_view(), name="circle_update"),
    path("<int:pk>/members/add/", circles.CircleMemberAddView.as_view(), name="member_add"),
    path("<int:pk>/activate/", circles.CircleActivateView.as_view(), name="circle_activate"),
    path("<int:pk>/merge/", circles.CircleMergeView.as_view(), name="circle_merge"),
    path("<int:pk>/dissolve/", circles.CircleDissolveView.as_view(), name="circle_dissolve"),
    path("<int:pk>/meetings/new/", meetings.MeetingPlanView.as_view(), name="meeting_plan"),
    path("memberships/<int:pk>/leave/", circles.MembershipLeaveView.as_view(), name="membership_leave"),
    path("memberships/<int:pk>/move/", circles.MembershipMoveView.as_view(), name="membership_move"),
    path("meetings/", meetings.UpcomingMeetingsView.as_view(), name="upcoming_meetings"),
    path("meetings/<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/record/", meetings.MeetingRecordView.as_view(), name="meeting_record"),
    path("meetings/<int:pk>/cancel/", meetings.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("calendar/address/", meetings.CalendarAddressView.as_view(), name="calendar_address"),
    path("calendar/<str:token>.ics", meetings.CalendarFeedView.as_view(), name="calendar_feed"),
    path("trainings/", trainings.TrainingListView.as_view(), name="training_list"),
    path("trainings/new/", trainings.TrainingCreateView.as_view(), name="training_create"),
    path("trainings/<int:pk>/", trainings.TrainingDetailView.as_view(), name="training_detail"),
    path("trainings/<int:pk>/enroll/", trainings.TrainingEnrollView.as_view(), name="training_enroll"),
    path(
        "trainings/<int:pk>/sessions/",
        trainings.TrainingSessionAddView.as_view(),
        name="training_session_add",
    ),
    path(
        "trainings/<int:pk>/sessions/<int:session_pk>/attendance/",
        trainings.SessionAttendanceView.as_view(),
        name="session_attendance",
    ),
    path(
        "trainings/<int:pk>/participants/<int:participant_pk>/status/",
        trainings.ParticipantStatusView.as_view(),
        name="participant_status",
    ),
    path("trainings/<int:pk>/form-circle/", trainings.FormCircleView.as_view(), name="form_circle"),
]
