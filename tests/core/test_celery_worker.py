"""A real Celery worker (a thread of this process) consuming from the real Redis broker."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection

from microcredit import celery_app
from microcredit.accounts import services
from microcredit.accounts.tasks import send_invitation


@pytest.fixture
def celery_worker():
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from an interrupted run
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitation_once(celery_worker):
    assert celery_app.conf.broker_url.startswith("redis://")
    profile = services.entrepreneur_create(first_name="Rosa", last_name="Cardona", email="rosa@example.org")
    # Queued after commit, picked up by the worker over Redis.
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the invitation"
    assert mail.outbox[0].to == ["rosa@example.org"]

    again = send_invitation.delay(profile.user_id)
    assert again.get(timeout=20) is False
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_invitation():
    profile = services.entrepreneur_create(
        first_name="Linh", last_name="Nguyen", email="linh@example.org", send_invitation=False
    )
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(send_invitation.run(profile.user_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
