"""Privacy by default (Law 25, pt 7): circle peers see each other's name and business only, unless a member
chooses to show her phone number and email address to her circle."""

import pytest
from django.urls import reverse

from tests.circles.factories import circle_with_members

pytestmark = pytest.mark.django_db


def test_peers_see_name_and_business_only_until_she_chooses_to_share(client_for):
    circle = circle_with_members(4)
    me, peer = [m.profile for m in circle.memberships.order_by("pk")[:2]]
    peer.user.phone, peer.user.email = "514 555-0199", "peer@example.org"
    peer.user.save()
    url = reverse("circles:circle_detail", args=[circle.pk])
    page = client_for(me).get(url).content.decode()
    assert peer.user.get_full_name() in page and peer.business_name in page
    assert "514 555-0199" not in page and "peer@example.org" not in page

    response = client_for(peer).post(
        reverse("accounts:my_contact"),
        {
            "phone": "514 555-0199",
            "language": "fr-ca",
            "address": "",
            "city": "Montréal",
            "postal_code": "",
            "business_name": peer.business_name,
            "business_description": "",
            "share_contact_with_circle": "on",
        },
    )
    assert response.status_code == 302
    page = client_for(me).get(url).content.decode()
    assert "514 555-0199" in page and "peer@example.org" in page
