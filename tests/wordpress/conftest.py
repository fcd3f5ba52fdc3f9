"""Tests against a real WordPress started from Debian's packages (marker `wordpress`).

The fixtures live in tests/wordpress/fixtures.py (registered by the root conftest, so e2e tests
can use them too):

- `wordpress` (session): a `harness.WordPress` — `url`, `admin_user` / `admin_password`,
  `app_password()` / `basic_auth()`, `php(code)` (runs PHP inside WordPress through php-cli and
  returns what the code returns), `connect(connection_string)` (the plugin's settings),
  `signed(method, route, key, payload)` (a call signed as IGNY8 signs it), `post(id)`,
  `posts_for_content(content_id)`, `run_cron()`, `error_log()`.
- `api_recorder`: a fake IGNY8 API on loopback recording what the plugin sends it.

The WordPress is shared by the session: tests use their own content ids and connect the plugin
to what they need.
"""
