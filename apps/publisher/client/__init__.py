"""Our calls to WordPress: the HTTP layer (egress guard, deadline, retries, `?rest_route=`
fallback, plain-word errors) and two adapters, the IGNY8 Bridge plugin's signed routes and
WordPress core's REST API with an Application Password.

    adapter = adapter_for(connection)        # PluginAdapter | CoreAdapter
    adapter.status() -> StatusReport
    adapter.publish(payload, remote_id=…) -> Published
    adapter.unpublish(content_id=…, remote_id=…) -> str (the post's new status)
"""

from __future__ import annotations

import httpx

from apps.publisher.client.base import MIN_PLUGIN_VERSION, Published, StatusReport
from apps.publisher.client.core import CoreAdapter
from apps.publisher.client.errors import PublishError
from apps.publisher.client.plugin import PluginAdapter

# Tests (and the bench) may route every adapter through a transport of their own.
_transport: httpx.BaseTransport | None = None

__all__ = [
    "MIN_PLUGIN_VERSION",
    "CoreAdapter",
    "PluginAdapter",
    "PublishError",
    "Published",
    "StatusReport",
    "adapter_for",
]


def adapter_for(connection) -> PluginAdapter | CoreAdapter:  # noqa: ANN001 (a Connection)
    """The adapter of a site's connection, its secret decrypted; PublishError in plain words
    when the connection cannot be used (revoked, no key, the address changed since the
    password was saved)."""
    from apps.publisher.client import errors
    from apps.publisher.models import Adapter, ConnectionStatus
    from igny8.ai import crypto

    if connection is None:
        raise errors.not_connected()
    if connection.status == ConnectionStatus.REVOKED:
        raise errors.revoked()
    if connection.secret_url and connection.secret_url.rstrip("/") != connection.wp_url.rstrip("/"):
        # A secret goes only to the address it was saved with.
        raise PublishError(
            "The WordPress address changed since the key or password was saved. Save the "
            "connection again with the new address (a new key or Application Password).",
            code="secret_url",
        )
    if connection.adapter == Adapter.CORE:
        password = crypto.decrypt(connection.app_password)
        if not password:
            raise PublishError(
                "The saved Application Password cannot be read any more (the encryption key "
                "changed). Save a new Application Password on the integration page.",
                code="secret_unreadable",
            )
        return CoreAdapter(connection.wp_url, connection.wp_user, password, transport=_transport)
    key = crypto.decrypt(connection.key_secret)
    if not key:
        raise PublishError(
            "This site's connection key cannot be read any more (the encryption key changed). "
            "Rotate the key on the integration page and paste the new connection string into "
            "the plugin.",
            code="secret_unreadable",
        )
    return PluginAdapter(connection.wp_url, key, transport=_transport)
