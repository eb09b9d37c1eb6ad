"""docker-compose.yml describes the production stack CI serves: the same scripts/serve.sh roles, the
same nginx template, the proxy as the only published service. CI also parses it with docker-compose."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_ROLES = {"migrate": "release", "web": "web", "worker": "worker", "worker-documents": "worker-documents"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_long_running_service_has_a_health_check():
    services = compose()["services"]
    assert set(services) == {"proxy", "migrate", "web", "worker", "worker-documents", "beat", "db", "redis"}
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["proxy"]["healthcheck"]["test"])
    assert {"postgres-data", "redis-data", "media"} <= set(compose()["volumes"])


def test_app_processes_run_the_roles_ci_serves():
    services = compose()["services"]
    for name, role in {**APP_ROLES, "beat": "beat"}.items():
        assert services[name]["command"] == f"scripts/serve.sh {role}", name
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "microcredit.settings.production"
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    for role in (*APP_ROLES.values(), "beat"):
        assert re.search(rf"^\s+{re.escape(role)}\)$", serve, re.MULTILINE), role
    stack = (ROOT / "scripts" / "stack.sh").read_text()
    for role in ("web", "worker", "worker-documents", "beat", "release"):
        assert f"scripts/serve.sh {role}" in stack, role


def test_only_the_proxy_is_published_and_the_app_trusts_only_it():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    template = "./deploy/nginx/microcredit.conf.template"
    assert any(volume.startswith(template + ":") for volume in services["proxy"]["volumes"])
    assert "deploy/nginx/microcredit.conf.template" in (ROOT / "scripts" / "stack.sh").read_text()
    proxy_address = services["proxy"]["networks"]["backend"]["ipv4_address"]
    assert services["web"]["environment"]["DJANGO_TRUSTED_PROXIES"] == proxy_address


def test_documents_have_their_own_worker_taking_one_task_at_a_time():
    serve = (ROOT / "scripts" / "serve.sh").read_text()
    documents = serve.split("worker-documents)")[1].split(";;")[0].split()
    assert documents[documents.index("--queues") + 1] == "documents"
    assert documents[documents.index("--prefetch-multiplier") + 1] == "1"
    assert documents[documents.index("--concurrency") + 1] == "1"
    worker = serve.split("    worker)")[1].split(";;")[0].split()
    assert worker[worker.index("--queues") + 1] == "default,reminders"
    services = compose()["services"]
    for name, hostname in (("worker", "default"), ("worker-documents", "documents")):
        assert f'--hostname "{hostname}@%h"' in serve
        assert f"--destination {hostname}@" in services[name]["healthcheck"]["test"][1]


def test_the_proxy_caps_bodies_and_sets_the_forwarded_headers():
    template = (ROOT / "deploy" / "nginx" / "microcredit.conf.template").read_text()
    assert "client_max_body_size 12m;" in template
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in template
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in template
