import pytest

from reports import demo
from reports.models import FundSource


@pytest.mark.django_db
def test_seed_is_idempotent():
    demo.seed()
    demo.seed()
    assert FundSource.objects.count() == len(demo.SOURCES)
