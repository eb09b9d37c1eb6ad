"""Helpers for the loan screens' tests."""


def post_and_confirm(client, url, data, **extra):
    """Post a form that has a confirmation step, then Confirm what the confirmation page shows."""
    review = client.post(url, data, **extra)
    assert review.status_code == 200, review.status_code
    assert "reviewed" in review.context, review.context["form"].errors
    return client.post(url, {**data, "step": "confirm", "reviewed": review.context["reviewed"]}, **extra)
