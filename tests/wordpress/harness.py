"""A real WordPress for tests, from Debian's packages, in a temp folder, in a few seconds.

- MariaDB: `mariadb-install-db` into the temp folder, then a private `mariadbd` on a unix socket
  there (`--skip-networking`; never the system service).
- WordPress: Debian's `/usr/share/wordpress` hard-linked (copied across file systems) into the
  temp folder with our own `wp-config.php` (`WP_ENVIRONMENT_TYPE=local`, so Application
  Passwords work over plain http), a `wp-content` of its own and the IGNY8 Bridge plugin copied
  from `wordpress-plugin/igny8-bridge/`, installed with `wp_install()` from PHP CLI and activated.
- `php -S 127.0.0.1:<free port>` with a router script for pretty permalinks, a few workers
  (WP-Cron's loopback request and a test's request can overlap), `display_errors=0` so PHP 8.2
  deprecation notices never reach a JSON body (they go to `php-errors.log`).

`start()` returns a `WordPress`; `close()` stops both servers and removes the folder (also at
interpreter exit). Facts learned the hard way are kept next to the code that needed them.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
PLUGIN_SOURCE = REPO / "wordpress-plugin" / "igny8-bridge"
PLUGIN_FILE = "igny8-bridge/igny8-bridge.php"
WORDPRESS_CORE = Path(os.environ.get("IGNY8_WORDPRESS_CORE", "/usr/share/wordpress"))
DEBIAN_PACKAGES = ["wordpress", "php-cli", "php-mysql", "php-gd", "mariadb-server"]
OUTPUT_MARK = "\n@@IGNY8-RESULT@@\n"

PHP_INI = [
    "-d",
    "display_errors=0",
    "-d",
    "display_startup_errors=0",
    "-d",
    "log_errors=1",
    "-d",
    "error_reporting=E_ALL",
    "-d",
    "memory_limit=512M",
    "-d",
    "post_max_size=64M",
    "-d",
    "upload_max_filesize=64M",
    "-d",
    "max_execution_time=120",
    "-d",
    "opcache.enable_cli=1",
]


def missing() -> str:
    """Why a real WordPress cannot be started here, or "" when it can."""
    problems = []
    for tool in ("php", "mariadbd", "mariadb-install-db"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            problems.append(tool)
    if not (WORDPRESS_CORE / "wp-load.php").exists():
        problems.append(str(WORDPRESS_CORE))
    if shutil.which("php"):
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.lower()
        for module in ("mysqli", "gd"):
            if module not in modules:
                problems.append(f"php module {module}")
    if not problems:
        return ""
    return (
        f"A real WordPress needs {', '.join(problems)} "
        f"(Debian: apt-get install {' '.join(DEBIAN_PACKAGES)})."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def _link_tree(source: Path, target: Path, skip: set[str]) -> None:
    """Hard links are instant and keep PHP's __FILE__ inside the temp folder (a symlink would
    resolve back to /usr/share/wordpress and load Debian's own wp-config.php)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name in skip:
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, copy_function=link, symlinks=False)
        elif entry.is_file():
            link(str(entry), str(target / entry.name))


WP_CONFIG = """<?php
// Written by tests/wordpress/harness.py for one test session.
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}
$table_prefix = 'wp_';
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
// Application Passwords over plain http need a local environment.
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_DEBUG', false);
define('WP_DEBUG_DISPLAY', false);
define('FS_METHOD', 'direct');
define('DISALLOW_FILE_MODS', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
// Nothing leaves the machine: only loopback and *.localhost (the IGNY8 workspace hosts).
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_ACCESSIBLE_HOSTS', 'localhost,*.localhost,127.0.0.1');
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""

# Pretty permalinks under `php -S`: real files are served as they are, the rest goes to WordPress.
ROUTER = """<?php
$root = $_SERVER['DOCUMENT_ROOT'];
$path = urldecode((string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
$file = $root . $path;
if ($path !== '/' && file_exists($file)) {
    if (is_file($file) || is_file(rtrim($file, '/') . '/index.php')) {
        return false;
    }
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
require $root . '/index.php';
"""

# Loaded by every `WordPress.php()` call: WordPress, then the code given on stdin, whose return
# value is printed as JSON after a marker (anything WordPress itself prints stays before it).
RUNNER = """<?php
// PHP CLI runs never spawn WP-Cron: its loopback request would find no server (at install
// time) and leave WordPress's 60 s cron lock behind, delaying the server's own spawns.
define('DISABLE_WP_CRON', true);
if (getenv('IGNY8_WP_INSTALLING')) {
    define('WP_INSTALLING', true);
}
$_SERVER['HTTP_HOST'] = $_SERVER['HTTP_HOST'] ?? parse_url(getenv('IGNY8_WP_URL'), PHP_URL_HOST);
require __DIR__ . '/wp/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$__igny8_code = stream_get_contents(STDIN);
$__igny8_result = (static function () use ($__igny8_code) {
    return eval($__igny8_code);
})();
echo "\\n@@IGNY8-RESULT@@\\n", wp_json_encode($__igny8_result);
"""

# Must-use plugin for tests: no mail, no update checks, and WP-Cron's loopback request given
# time to reach `php -S` (WordPress gives it 0.01 s, too short for a fresh connection here).
MU_PLUGIN = """<?php
add_filter('pre_wp_mail', '__return_true');
add_filter('cron_request', static function (array $request): array {
    $request['args']['timeout'] = 1;
    return $request;
});
add_filter('pre_site_transient_update_core', '__return_null');
add_filter('pre_site_transient_update_plugins', '__return_null');
add_filter('pre_site_transient_update_themes', '__return_null');
"""

INSTALL = """
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install(
    'IGNY8 Test Site', 'admin', 'admin@example.com', true, '', getenv('IGNY8_WP_ADMIN_PASSWORD')
);
update_option('permalink_structure', '/%postname%/');
update_option('timezone_string', 'UTC');
flush_rewrite_rules(false);
return ['user_id' => $result['user_id']];
"""


class PHPError(RuntimeError):
    """PHP CLI code run against the test WordPress failed."""


@dataclass
class WordPress:
    """One running WordPress. `url` ends without a slash."""

    root: Path
    url: str
    admin_user: str
    admin_password: str
    socket: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    _http: httpx.Client | None = None

    # -- PHP CLI against the install -------------------------------------------------------
    @property
    def _cli_cache(self) -> list[str]:
        """Each php-cli run would compile WordPress again (~0.4 s); opcache's file cache keeps
        the compiled scripts between runs."""
        cache = self.root / "opcache"
        cache.mkdir(exist_ok=True)
        return ["-d", f"opcache.file_cache={cache}", "-d", "opcache.file_cache_only=1"]

    def php(self, code: str, *, timeout: float = 60, env: dict | None = None) -> Any:
        """Run PHP code inside WordPress (wp-load.php is loaded; wp-admin's plugin.php too) and
        return what it `return`s, decoded from JSON. Raises PHPError with PHP's output on a fatal
        error or a non-zero exit."""
        environ = {**os.environ, "IGNY8_WP_URL": self.url, **(env or {})}
        done = subprocess.run(
            [
                "php",
                *PHP_INI,
                *self._cli_cache,
                "-d",
                f"error_log={self.root / 'php-cli-errors.log'}",
            ]
            + [str(self.root / "runner.php")],
            input=code,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environ,
        )
        if done.returncode != 0 or OUTPUT_MARK not in done.stdout:
            log = self.root / "php-cli-errors.log"
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise PHPError(
                f"PHP exited {done.returncode}\n--- code\n{code}\n--- stdout\n"
                f"{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}\n--- error log\n{tail}"
            )
        return json.loads(done.stdout.rsplit(OUTPUT_MARK, 1)[1] or "null")

    def option(self, name: str) -> Any:
        return self.php(f"return get_option({_php(name)}, null);")

    def set_option(self, name: str, value: Any, autoload: bool = False) -> None:
        self.php(
            f"$v = json_decode({_php(json.dumps(value))}, true);"
            f"if (get_option({_php(name)}, null) === null) {{"
            f" add_option({_php(name)}, $v, '', {_php('yes' if autoload else 'no')}); }}"
            f"else {{ update_option({_php(name)}, $v); }} return true;"
        )

    def autoload_of(self, name: str) -> str | None:
        """The `autoload` column of an option ("yes"/"no"/"on"/"off"), None when absent."""
        return self.php(
            "global $wpdb; return $wpdb->get_var($wpdb->prepare("
            f'"SELECT autoload FROM $wpdb->options WHERE option_name = %s", {_php(name)}));'
        )

    # -- the plugin ------------------------------------------------------------------------
    def connect(self, connection_string: str) -> None:
        """Paste a connection string into the plugin, as its settings page does."""
        error = self.php(
            f"return \\Igny8\\Bridge\\Connection::save({_php(connection_string)});",
        )
        if error:
            raise PHPError(error)

    def disconnect(self) -> None:
        self.php("\\Igny8\\Bridge\\Connection::forget(); return true;")

    def plugin_active(self) -> bool:
        return bool(self.php(f"return is_plugin_active({_php(PLUGIN_FILE)});"))

    def run_cron(self, *, ahead: float = 0, hooks: list[str] | None = None) -> list[str]:
        """Run the WP-Cron events due now (or within `ahead` seconds), as a visit to
        wp-cron.php would; only `hooks` when given. Returns the hooks run."""
        only = json.dumps(hooks or [])
        return self.php(
            f"$only = json_decode({_php(only)}, true); $ran = [];"
            f" $limit = time() + {int(ahead)};"
            " foreach (_get_cron_array() ?: [] as $when => $events) {"
            " if ($when > $limit) { continue; }"
            " foreach ($events as $hook => $list) {"
            " if ($only && !in_array($hook, $only, true)) { continue; }"
            " foreach ($list as $event) {"
            " wp_unschedule_event($when, $hook, $event['args']);"
            " do_action_ref_array($hook, $event['args']); $ran[] = $hook; } } }"
            " return $ran;"
        )

    # -- users -----------------------------------------------------------------------------
    def create_user(self, login: str, role: str = "editor") -> int:
        return int(
            self.php(
                f"$id = username_exists({_php(login)}); if ($id) {{ return $id; }}"
                f"return wp_insert_user(['user_login' => {_php(login)}, 'user_pass' =>"
                f" wp_generate_password(24), 'user_email' => {_php(login + '@example.com')},"
                f" 'role' => {_php(role)}]);"
            )
        )

    def app_password(self, user: str | None = None, name: str | None = None) -> str:
        """A new Application Password for `user` (default: the admin), as WordPress shows it."""
        login = user or self.admin_user
        label = name or f"igny8-{secrets.token_hex(3)}"
        return self.php(
            f"$user = get_user_by('login', {_php(login)});"
            f"[$password] = WP_Application_Passwords::create_new_application_password("
            f"$user->ID, ['name' => {_php(label)}]);"
            "return WP_Application_Passwords::chunk_password($password);"
        )

    def basic_auth(self, user: str | None = None) -> dict[str, str]:
        """An Authorization header with a fresh Application Password."""
        login = user or self.admin_user
        token = base64.b64encode(f"{login}:{self.app_password(login)}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    # -- posts -----------------------------------------------------------------------------
    def post(self, post_id: int) -> dict | None:
        """A post as the database has it: fields, every meta value, term names, permalink."""
        return self.php(
            f"$p = get_post({int(post_id)}); if (!$p) {{ return null; }}"
            "$meta = []; foreach (get_post_meta($p->ID) as $k => $vs) { $meta[$k] = $vs[0]; }"
            "return ['id' => $p->ID, 'title' => $p->post_title, 'content' => $p->post_content,"
            " 'excerpt' => $p->post_excerpt, 'slug' => $p->post_name, 'status' => $p->post_status,"
            " 'type' => $p->post_type, 'author' => (int) $p->post_author,"
            " 'date_gmt' => $p->post_date_gmt, 'meta' => $meta,"
            " 'categories' => wp_get_post_terms($p->ID, 'category', ['fields' => 'names']),"
            " 'tags' => wp_get_post_terms($p->ID, 'post_tag', ['fields' => 'names']),"
            " 'thumbnail_id' => (int) get_post_thumbnail_id($p->ID),"
            " 'permalink' => get_permalink($p->ID)];"
        )

    def posts_for_content(self, content_id: int | str) -> list[int]:
        """Every post (any type, any status, trash included) carrying our content id."""
        return self.php(
            "return array_map('intval', get_posts(['post_type' => 'any', 'post_status' =>"
            " array_keys(get_post_stati()), 'numberposts' => -1, 'fields' => 'ids',"
            f" 'meta_key' => '_igny8_content_id', 'meta_value' => {_php(str(content_id))}]));"
        )

    def attachments_with_sha(self, sha256: str) -> list[int]:
        return self.php(
            "return array_map('intval', get_posts(['post_type' => 'attachment', 'post_status' =>"
            " 'any', 'numberposts' => -1, 'fields' => 'ids', 'meta_key' => '_igny8_image_sha256',"
            f" 'meta_value' => {_php(sha256)}]));"
        )

    def count_posts(self, post_type: str = "post") -> int:
        return int(
            self.php(
                "global $wpdb; return (int) $wpdb->get_var($wpdb->prepare("
                f'"SELECT COUNT(*) FROM $wpdb->posts WHERE post_type = %s", {_php(post_type)}));'
            )
        )

    # -- HTTP ------------------------------------------------------------------------------
    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        return self._http

    def rest_url(self, route: str, *, pretty: bool = True) -> str:
        """The URL of a REST route ("/igny8/v1/status"), pretty or as ?rest_route=."""
        if pretty:
            return f"{self.url}/wp-json{route}"
        return f"{self.url}/?rest_route={route}"

    def signed(
        self,
        method: str,
        route: str,
        key: str,
        payload: Any = None,
        *,
        pretty: bool = True,
        now: float | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        """A call to a plugin route signed with `key` as IGNY8 signs it."""
        from apps.publisher import signing

        body = b"" if payload is None else json.dumps(payload).encode()
        signed = signing.signed_headers(key, method, route, body, now=now)
        all_headers = {**signed, **(headers or {})}
        if body:
            all_headers.setdefault("Content-Type", "application/json")
        return self.http.request(
            method, self.rest_url(route, pretty=pretty), content=body, headers=all_headers
        )

    # -- lifecycle -------------------------------------------------------------------------
    def error_log(self) -> str:
        log = self.root / "php-errors.log"
        return log.read_text() if log.exists() else ""

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
        self.processes.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _php(value: str) -> str:
    """A PHP single-quoted string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _wait_for(check, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    tail = log.read_text()[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s.\n{tail}")


def _start_mariadb(root: Path) -> tuple[subprocess.Popen, Path]:
    data = root / "mysql"
    sock = root / "mysqld.sock"
    log = root / "mysqld.log"
    # As root, mariadbd insists on being told to stay root; any other user runs as itself.
    common = ["--no-defaults", *(["--user=root"] if os.geteuid() == 0 else [])]
    subprocess.run(
        [
            _binary("mariadb-install-db"),
            *common,
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            _binary("mariadbd"),
            *common,
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={root / 'mysqld.pid'}",
            f"--log-error={log}",
            "--skip-networking",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=0",
            "--skip-log-bin",
            "--character-set-server=utf8mb4",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(
                "mariadbd exited:\n" + (log.read_text()[-2000:] if log.exists() else "")
            )
        return sock.exists()

    _wait_for(ready, 30, "MariaDB", log)
    client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
    for _ in range(100):
        made = subprocess.run(
            [
                client,
                "--no-defaults",
                f"--socket={sock}",
                "-uroot",
                "-e",
                "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4",
            ],
            capture_output=True,
        )
        if made.returncode == 0:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"MariaDB refused CREATE DATABASE: {made.stderr.decode()}")
    return process, sock


def start() -> WordPress:
    """Start a fresh WordPress with the plugin installed and activated (a few seconds)."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    root = Path(tempfile.mkdtemp(prefix="igny8-wp-"))
    docroot = root / "wp"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(16)
    processes: list[subprocess.Popen] = []
    wordpress = WordPress(
        root=root,
        url=url,
        admin_user="admin",
        admin_password=password,
        socket=root / "mysqld.sock",
        processes=processes,
    )
    atexit.register(wordpress.close)
    try:
        mariadb, sock = _start_mariadb(root)
        processes.append(mariadb)

        _link_tree(WORDPRESS_CORE, docroot, skip={"wp-config.php", "wp-content", ".htaccess"})
        content = docroot / "wp-content"
        (content / "plugins").mkdir(parents=True)
        (content / "uploads").mkdir()
        (content / "mu-plugins").mkdir()
        (content / "mu-plugins" / "igny8-test.php").write_text(MU_PLUGIN)
        _link_tree(WORDPRESS_CORE / "wp-content" / "themes", content / "themes", skip=set())
        shutil.copytree(PLUGIN_SOURCE, content / "plugins" / "igny8-bridge")
        salts = "\n".join(
            f"define('{name}', '{secrets.token_hex(32)}');"
            for name in (
                "AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY "
                "AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT"
            ).split()
        )
        (docroot / "wp-config.php").write_text(WP_CONFIG.format(socket=sock, url=url, salts=salts))
        (root / "router.php").write_text(ROUTER)
        (root / "runner.php").write_text(RUNNER)

        wordpress.php(
            INSTALL, env={"IGNY8_WP_INSTALLING": "1", "IGNY8_WP_ADMIN_PASSWORD": password}
        )
        wordpress.php(
            f"$r = activate_plugin({_php(PLUGIN_FILE)}); return is_wp_error($r) ?"
            " $r->get_error_message() : true;"
        )
        if not wordpress.plugin_active():
            raise RuntimeError(
                "The IGNY8 Bridge plugin did not activate:\n" + wordpress.error_log()
            )

        server = subprocess.Popen(
            [
                "php",
                *PHP_INI,
                "-d",
                f"error_log={root / 'php-errors.log'}",
                "-S",
                f"127.0.0.1:{port}",
                "-t",
                str(docroot),
                str(root / "router.php"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(root / "php-server.log", "ab"),  # noqa: SIM115 (closed with the process)
            start_new_session=True,
            # Requests are served in parallel (a WP-Cron loopback beside a test's call).
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
        )
        processes.append(server)

        def answers() -> bool:
            if server.poll() is not None:
                raise RuntimeError("php -S exited")
            try:
                return httpx.get(f"{url}/wp-json/", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(answers, 30, "php -S", root / "php-errors.log")
    except BaseException:
        wordpress.close()
        raise
    return wordpress


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Recorder:
    """A stand-in for IGNY8's API on loopback: records every call the plugin makes and answers
    with `status` (200 by default) and the envelope our API uses. `url` is the API base to put
    in a connection string (it ends with /api/v1/)."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.calls: list[Recorded] = []
        self.status = 200
        self.answer: dict = {"success": True, "data": {}, "request_id": "recorder"}
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.calls.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
                payload = json.dumps(recorder.answer).encode()
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def to(self, path: str) -> list[Recorded]:
        """The calls made to one API path ("posts/status")."""
        return [call for call in self.calls if call.path.split("?")[0].endswith("/" + path)]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(path)) >= count:
                return self.to(path)
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.to(path))} calls, {count} expected: {self.calls}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
