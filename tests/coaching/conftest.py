import pytest
from django.test import Client


@pytest.fixture
def english_client_for(client_for):
    """A signed-in client reading the interface in English (the strings are not translated yet)."""

    def make(person) -> Client:
        user = getattr(person, "user", person)
        user.language = "en"
        user.save(update_fields=["language"])
        return client_for(user)

    return make
