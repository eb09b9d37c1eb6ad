import pytest

from funds import demo
from funds.models import FundSource


@pytest.mark.django_db
def test_seed_is_idempotent():
    demo.seed()
    demo.seed()
    assert FundSource.objects.count() == len(demo.SOURCES)
