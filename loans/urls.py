from django.urls import path

from loans.views import hardship, office, requests

app_name = "loans"

urlpatterns = [
    path("", requests.LoanListView.as_view(), name="loan_list"),
    path("new/", requests.LoanRequestCreateView.as_view(), name="loan_create"),
    path("new/preview/", requests.RequestPreviewView.as_view(), name="request_preview"),
    path("guaranteed/", requests.GuaranteedLoanListView.as_view(), name="guaranteed_list"),
    path("<int:pk>/", requests.LoanDetailView.as_view(), name="loan_detail"),
    path("<int:pk>/edit/", requests.LoanRequestUpdateView.as_view(), name="loan_update"),
    path("<int:pk>/submit/", requests.LoanSubmitView.as_view(), name="loan_submit"),
    path("<int:pk>/withdraw/", requests.LoanWithdrawView.as_view(), name="loan_withdraw"),
    path("<int:pk>/document/", requests.LoanDocumentView.as_view(), name="loan_document"),
    path("<int:pk>/vote/", requests.MemberVoteView.as_view(), name="member_vote"),
    path("<int:pk>/review/", requests.CircleReviewView.as_view(), name="circle_review"),
    path("<int:pk>/decide/", office.ApproveView.as_view(), name="loan_approve"),
    path("<int:pk>/disburse/", office.DisburseView.as_view(), name="loan_disburse"),
    path("<int:pk>/payments/new/", office.PaymentCreateView.as_view(), name="payment_create"),
    path("<int:pk>/restructure/", hardship.RestructuringProposeView.as_view(), name="restructuring_propose"),
    path("restructurings/<int:pk>/", hardship.RestructuringDetailView.as_view(), name="restructuring_detail"),
    path("<int:pk>/settle/", hardship.SettlementView.as_view(), name="loan_settle"),
    path("<int:pk>/write-off/", office.WriteOffView.as_view(), name="loan_write_off"),
    path("payments/<int:pk>/reverse/", office.PaymentReverseView.as_view(), name="payment_reverse"),
    path("approvals/", office.ApprovalQueueView.as_view(), name="approval_queue"),
    path("arrears/", office.ArrearsView.as_view(), name="arrears"),
    path("guarantee-calls/", office.GuaranteeCallListView.as_view(), name="guarantee_calls"),
    path(
        "guarantee-calls/<int:pk>/resolve/",
        office.GuaranteeCallResolveView.as_view(),
        name="guarantee_call_resolve",
    ),
    path("products/", office.ProductListView.as_view(), name="product_list"),
    path("products/new/", office.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/edit/", office.ProductUpdateView.as_view(), name="product_update"),
]
