"""Test set-up shared by every suite (fixtures live in tests/fixtures.py)."""

import os

# Playwright's sync API runs an event loop in the test thread; the ORM is used beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.fixtures", "tests.wordpress.fixtures"]
