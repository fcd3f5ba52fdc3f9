"""The publisher's services: every write of the app goes through these.

connection_for, connection_create, key_rotate, connection_revoke, core_connect,
connection_test, api_base_for                       (services/connection.py)
publish_now, unpublish, publication_for             (services/publishing.py)
log_event                                           (services/synclog.py)
"""

from apps.publisher.client import PublishError
from apps.publisher.services.connection import (
    TestResult,
    api_base_for,
    connection_create,
    connection_for,
    connection_revoke,
    connection_test,
    core_connect,
    key_rotate,
    wp_url_clean,
)
from apps.publisher.services.publishing import publication_for, publish_now, unpublish
from apps.publisher.services.synclog import log_event

__all__ = [
    "PublishError",
    "TestResult",
    "api_base_for",
    "connection_create",
    "connection_for",
    "connection_revoke",
    "connection_test",
    "core_connect",
    "key_rotate",
    "log_event",
    "publication_for",
    "publish_now",
    "unpublish",
    "wp_url_clean",
]
