"""With a broker and no worker, the commands that wait for a round say so within seconds and fail."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["matchmake", "demo"])
def test_a_command_that_would_wait_for_workers_fails_fast_naming_the_broker(command, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()

    with pytest.raises(CommandError, match="127.0.0.1:1"):
        call_command(command)

    assert time.monotonic() - started < 15
