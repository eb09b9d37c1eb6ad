"""A real Celery worker (a thread of this process) consuming every queue of the app from the real Redis,
as in tests/core/test_celery_worker.py, for the reminder and document end-to-end tests."""

import time
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from microcredit import celery_app

QUEUES = ["default", "reminders", "documents"]


@contextmanager
def running_worker():
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write() as connection:  # nothing left over from an interrupted run
        for queue in QUEUES:
            connection.default_channel.queue_purge(queue)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=QUEUES
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
