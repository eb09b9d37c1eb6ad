"""docker-compose.yml describes the production-like stack. CI also parses it with docker-compose."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_stack_has_every_service_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "worker-documents", "beat", "db", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "gunicorn" in services["web"]["command"]
    assert "beat" in services["beat"]["command"]
    assert {"postgres-data", "redis-data", "media"} <= set(compose["volumes"])
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "microcredit.settings.production"


def test_documents_have_their_own_worker_taking_one_task_at_a_time():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worker = services["worker"]["command"].split()
    documents = services["worker-documents"]["command"].split()
    assert "worker" in worker and worker[worker.index("--queues") + 1] == "default,reminders"
    assert documents[documents.index("--queues") + 1] == "documents"
    assert documents[documents.index("--prefetch-multiplier") + 1] == "1"
    assert documents[documents.index("--concurrency") + 1] == "1"
    for name in ("worker", "worker-documents"):
        hostname = services[name]["command"].split("--hostname ")[1].split("@")[0]
        assert f"--destination {hostname}@" in services[name]["healthcheck"]["test"][1]
