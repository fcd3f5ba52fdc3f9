"""The client's plain words for the usual failures, the `?rest_route=` fallback, signing, the
egress guard and the connection services (create, test, rotate, revoke, core connect)."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher import signing
from apps.publisher.client import CoreAdapter, PluginAdapter, PublishError
from apps.publisher.client.http import parse_json
from apps.publisher.models import Connection, ConnectionStatus, SyncEvent
from apps.publisher.services import (
    api_base_for,
    connection_create,
    connection_revoke,
    connection_test,
    core_connect,
    key_rotate,
    publish_now,
)
from apps.publisher.tests.fake_wordpress import FakeWordPress
from apps.publisher.tests.helpers import (
    approved_article,
    core_connection,
    plugin_connection,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)

pytestmark = pytest.mark.django_db


@contextmanager
def tiny_server(
    answer: Callable[[BaseHTTPRequestHandler], tuple[int, dict, bytes]],
    tls: ssl.SSLContext | None = None,
) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = answer(self)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_OPTIONS = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def self_signed(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wordpress.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


KEY = signing.new_key().key


# --- plain words ----------------------------------------------------------------------------


def test_pretty_permalinks_off_falls_back_to_rest_route(private_egress):
    with FakeWordPress(key=KEY, pretty=False) as wp:
        adapter = PluginAdapter(wp.url, KEY)
        report = adapter.status()
        adapter.status()
        adapter.close()
    assert report.plugin_version == "1.0.0"
    # The first call found /wp-json/ missing; from then on straight to ?rest_route=.
    assert [s.route for s in wp.seen] == ["/igny8/v1/status", "/igny8/v1/status"]


def test_not_wordpress_is_said_so(private_egress):
    page = b"<!doctype html><title>Shop</title><p>Welcome</p>"
    answer = (200, {"Content-Type": "text/html"}, page)
    with tiny_server(lambda h: answer) as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert caught.value.code == "not_wordpress"
    assert "does not answer like a WordPress site" in caught.value.words
    assert "https://example.com" in caught.value.words  # what to type instead


def test_a_compressed_answer_that_does_not_unpack_is_said_so(private_egress):
    # A host that claims gzip and sends something else: plain words, not a decoding traceback.
    answer = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"not gzip")
    with tiny_server(lambda h: answer) as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert "sent an answer we could not read" in caught.value.words


def test_a_firewall_page_in_front_of_wordpress(private_egress):
    page = b"<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>"
    answer = (403, {"Content-Type": "text/html"}, page)
    with tiny_server(lambda h: answer) as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert caught.value.code == "blocked"
    assert "firewall" in caught.value.words and "/wp-json/" in caught.value.words


def test_plugin_missing_and_too_old(private_egress):
    with FakeWordPress(key="") as wp, pytest.raises(PublishError) as caught:
        PluginAdapter(wp.url, KEY).status()
    assert caught.value.code == "plugin_missing"
    assert "install and activate it" in caught.value.words
    old = FakeWordPress(key=KEY, plugin_version="0.9.1")
    with old as wp, pytest.raises(PublishError) as caught:
        PluginAdapter(wp.url, KEY).status()
    assert caught.value.code == "plugin_too_old"
    assert "0.9.1" in caught.value.words and "Update the plugin" in caught.value.words


def test_plugin_refusing_our_key(private_egress):
    with FakeWordPress(key=signing.new_key().key) as wp, pytest.raises(PublishError) as caught:
        PluginAdapter(wp.url, KEY).status()
    assert caught.value.code == "key_refused"
    assert "Paste the current connection string" in caught.value.words
    assert not caught.value.retryable


def test_every_call_is_signed_fresh(private_egress):
    with FakeWordPress(key=KEY) as wp:
        adapter = PluginAdapter(wp.url, KEY)
        adapter.status()
        adapter.status()
    nonces = [s.headers[signing.HEADER_NONCE] for s in wp.seen]
    assert len(set(nonces)) == 2
    for seen in wp.seen:
        assert seen.headers[signing.HEADER_KEY_ID] == signing.key_id_of(KEY)
        assert abs(int(seen.headers[signing.HEADER_TIMESTAMP]) - timezone.now().timestamp()) < 30
        assert "Authorization" not in seen.headers  # the key itself never travels


def test_core_authorization_stripped_and_bad_password(private_egress):
    with FakeWordPress(strip_auth=True) as wp, pytest.raises(PublishError) as caught:
        CoreAdapter(wp.url, "editor", "abcd efgh ijkl mnop qrst uvwx").status()
    assert caught.value.code == "auth_refused"
    assert "SetEnvIf Authorization" in caught.value.words
    assert "create a new one" in caught.value.words
    with FakeWordPress() as wp, pytest.raises(PublishError) as caught:
        CoreAdapter(wp.url, "editor", "wrong pass word wron gpas swor").status()
    assert caught.value.code == "bad_credentials"
    assert "Application Password" in caught.value.words
    with FakeWordPress(app_passwords=False) as wp, pytest.raises(PublishError) as caught:
        CoreAdapter(wp.url, "editor", "abcd efgh ijkl mnop qrst uvwx").status()
    assert caught.value.code == "app_passwords_off"
    assert "https://" in caught.value.words


def test_tls_certificate_failure_in_plain_words(private_egress, tmp_path):
    server = tiny_server(lambda h: (200, {}, b"{}"), tls=self_signed(tmp_path))
    with server as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert caught.value.code == "tls"
    assert "certificate could not be verified" in caught.value.words


def test_redirect_is_not_followed_but_explained(private_egress):
    moved = {"Location": "https://www.example.com/wp-json/igny8/v1/status"}
    with tiny_server(lambda h: (301, moved, b"")) as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert caught.value.code == "redirect"
    assert "www.example.com" in caught.value.words


def test_nothing_listening_is_unreachable(private_egress):
    with tiny_server(lambda h: (200, {}, b"{}")) as url:
        pass  # closed again: nothing listens on that port now
    with pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).status()
    assert caught.value.code == "unreachable" and caught.value.retryable
    assert "Could not reach" in caught.value.words


def test_private_addresses_stay_closed_by_default():
    with pytest.raises(PublishError) as caught:
        PluginAdapter("http://127.0.0.1:9", KEY)
    assert "private or local address" in caught.value.words
    with pytest.raises(PublishError) as caught:
        PluginAdapter("http://169.254.169.254", KEY)
    assert caught.value.code == "refused_address"


def test_php_notices_before_the_json_are_tolerated():
    raw = b"<br />\n<b>Deprecated</b>: something in /var/www/x.php on line 3<br />\n" + (
        b'{"post_id": 7}'
    )
    assert parse_json(raw) == {"post_id": 7}
    assert parse_json(b"<html>nope</html>") is None


# --- connection services --------------------------------------------------------------------


def test_connection_create_keeps_only_hash_and_encrypted_key(alpha):
    site = publisher_site(alpha)
    with schema_context(alpha.schema):
        connection, key = connection_create(
            site=site, user=alpha.owner, wp_url="blog.example.com/wp-admin/"
        )
        stored = Connection.objects.get(pk=connection.pk)
    assert signing.KEY_RE.match(key)
    assert stored.wp_url == "https://blog.example.com"
    assert stored.key_hash == signing.key_digest(key)
    assert key not in stored.key_secret and stored.key_id == signing.key_id_of(key)


def test_rotate_replaces_the_key_and_revoke_refuses_it(alpha):
    site = publisher_site(alpha)
    with schema_context(alpha.schema):
        connection, old = connection_create(
            site=site, user=alpha.owner, wp_url="https://blog.example.com"
        )
        new = key_rotate(connection=connection, user=alpha.owner)
        assert new != old
        assert not Connection.objects.filter(key_hash=signing.key_digest(old)).exists()
        assert Connection.objects.filter(key_hash=signing.key_digest(new)).exists()
        connection_revoke(connection=connection, user=alpha.owner)
        stored = Connection.objects.get(pk=connection.pk)
    assert stored.status == ConnectionStatus.REVOKED and not stored.key_hash
    assert not stored.key_secret


def test_connection_refuses_private_address_in_plain_words(alpha):
    site = publisher_site(alpha)
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        connection_create(site=site, user=alpha.owner, wp_url="http://10.0.0.5")
    assert "private or local address" in str(caught.value.message_dict["wp_url"])


def test_core_connect_checks_fields(alpha):
    site = publisher_site(alpha)
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        core_connect(
            site=site,
            user=alpha.owner,
            wp_url="https://blog.example.com",
            wp_user="",
            app_password="hunter2",
        )
    assert set(caught.value.message_dict) == {"wp_user", "app_password"}


def test_connection_test_plugin_both_directions(alpha, private_egress):
    site = publisher_site(alpha)
    with FakeWordPress() as wp:
        connection, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
            assert result.ok and result.outbound_ok and result.inbound_ok is False
            assert "has not reached us yet" in result.words
            stored = Connection.objects.get(pk=connection.pk)
            assert stored.status == ConnectionStatus.CONNECTED
            assert stored.plugin_version == "1.0.0" and stored.wp_version == "6.4.2"
            assert {t["name"] for t in stored.post_types} == {"post", "page"}
            assert {t["name"] for t in stored.taxonomies} == {"category", "post_tag"}
            # The plugin calls our API (recorded by the API part): both ways now.
            Connection.objects.filter(pk=connection.pk).update(inbound_ok_at=timezone.now())
            result = connection_test(connection=Connection.objects.get(pk=connection.pk))
            assert result.inbound_ok is True
            assert "Connected both ways" in result.words
            assert SyncEvent.objects.filter(site=site, kind="test", ok=True).count() == 2


def test_connection_test_reads_the_plugins_callback(alpha, private_egress):
    site = publisher_site(alpha)
    with FakeWordPress(callback={"ok": True, "status": 200, "error": ""}) as wp:
        connection, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
        assert result.inbound_ok is True and "Connected both ways" in result.words
        assert wp.seen[0].method == "POST" and b'"callback":true' in wp.seen[0].body
    failing = {"ok": False, "status": 0, "error": "IGNY8 could not be reached (cURL error 6)."}
    with FakeWordPress(callback=failing) as wp:
        connection, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
    assert result.ok and result.inbound_ok is False
    assert "it could not reach us" in result.words and "cURL error 6" in result.words


def test_connection_test_core_says_which_seo_fields(alpha, private_egress):
    site = publisher_site(alpha)
    with FakeWordPress() as wp:
        connection = core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
        assert result.ok and result.inbound_ok is None
        assert any("does not expose SEO fields" in note for note in result.notes)
    with FakeWordPress(seo_meta=["_yoast_wpseo_title", "_yoast_wpseo_metadesc"]) as wp:
        connection = core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
        assert any("_yoast_wpseo_metadesc" in note for note in result.notes)


def test_connection_test_failure_is_kept(alpha, private_egress):
    site = publisher_site(alpha)
    with FakeWordPress(key="") as wp:
        connection, _ = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            result = connection_test(connection=connection)
            stored = Connection.objects.get(pk=connection.pk)
            event = SyncEvent.objects.get(site=site, kind="test")
    assert not result.ok and result.error_code == "plugin_missing"
    assert stored.status == ConnectionStatus.ERROR and stored.last_error == result.words
    assert not event.ok and event.error == result.words


def test_revoked_or_moved_connection_refuses_to_publish(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        connection = core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            Connection.objects.filter(pk=connection.pk).update(
                wp_url="https://elsewhere.example.com"
            )
            with pytest.raises(PublishError) as caught:
                publish_now(content=content)
            assert caught.value.code == "secret_url"
            Connection.objects.filter(pk=connection.pk).update(wp_url=wp.url)
            connection_revoke(connection=Connection.objects.get(pk=connection.pk))
            with pytest.raises(PublishError) as caught:
                publish_now(content=content)
            assert caught.value.code == "revoked"
        assert not wp.seen


def test_api_base_for_account(alpha, settings):
    settings.IGNY8_PUBLIC_URL = "https://igny8.example"
    base = api_base_for(alpha.account)
    assert base.startswith("https://alpha.") and base.endswith("/api/v1/")
    with schema_context(alpha.schema):
        assert signing.connection_string(base, KEY) == f"{base.rstrip('/')}/ {KEY}"


def test_api_base_for_request_keeps_scheme_and_port(alpha, rf):
    request = rf.get("/publisher/", HTTP_HOST=f"{alpha.host}:8000", secure=True)
    request.tenant = alpha.account
    assert api_base_for(request) == f"https://{alpha.host}:8000/api/v1/"


def test_a_refused_field_is_named(private_egress):
    refusal = {
        "code": "igny8_bad_request",
        "message": "Some fields of the article are not valid.",
        "data": {"status": 400, "fields": {"post_type": "This site has no public post type."}},
    }
    answer = (400, {"Content-Type": "application/json"}, json.dumps(refusal).encode())
    with tiny_server(lambda h: answer) as url, pytest.raises(PublishError) as caught:
        PluginAdapter(url, KEY).publish({"content_id": 1, "title": "x"})
    assert caught.value.code == "refused"
    assert "post_type: This site has no public post type." in caught.value.words
