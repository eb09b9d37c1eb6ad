"""Found by the bad-values fuzz of every form (issue #14, 8): a login longer than axes' 255-character
column was a 500 on the sign-in form."""

from django.urls import reverse


def test_a_very_long_login_is_a_refused_sign_in_not_a_500(db, client):
    response = client.post(reverse("login"), {"username": "x" * 5000, "password": "nope"})
    assert response.status_code == 200 and response.context["form"].errors
