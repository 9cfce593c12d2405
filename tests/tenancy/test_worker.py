import pytest

from tenancy.tasks import describe_worker
from tests.tenancy.factories import MunicipalityFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_travels_through_redis_to_a_real_worker_and_back(celery_worker, settings):
    MunicipalityFactory.create_batch(2)

    result = describe_worker.delay()

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert result.get(timeout=30) == {
        "database": "postgresql" if _on_postgres() else "sqlite",
        "municipalities": 2,
    }


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
