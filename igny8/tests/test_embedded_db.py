"""The embedded PostgreSQL: started when DATABASE_URL is unset, reused by the next command."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from igny8 import embedded_db

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL points at an external server"
)


def test_server_is_running_during_the_tests():
    assert embedded_db.is_running()


def test_second_start_reuses_the_running_server(db):
    first = embedded_db.ensure_running()
    again = embedded_db.ensure_running()
    assert again == first
    assert embedded_db.is_running()
    # The tests talk to that very server, over its unix socket.
    assert connection.settings_dict["HOST"] == first["HOST"]
    assert first["HOST"].startswith("/")


def test_a_folder_without_a_server_is_not_running(tmp_path):
    assert embedded_db.is_running(tmp_path / "pg") is False
    assert embedded_db.stop(tmp_path / "pg") is False
