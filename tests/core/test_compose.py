"""docker-compose.yml describes the production-like stack. CI also parses it with docker-compose."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_stack_has_every_service_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert {"postgres-data", "redis-data", "media"} <= set(compose["volumes"])
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "microcredit.settings.production"
