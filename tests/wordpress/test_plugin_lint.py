"""The plugin's files: valid PHP for `php -l`, clean for phpcs (PSR-12, wordpress-plugin/
phpcs.xml.dist), the header WordPress reads, and the zip the integration page serves."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from apps.publisher import plugin_zip

pytestmark = pytest.mark.wordpress
PLUGIN = plugin_zip.PLUGIN_DIR
PHP_FILES = sorted(PLUGIN.rglob("*.php"))


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Debian: apt-get install {package})."
        if os.environ.get("IGNY8_REQUIRE_WORDPRESS") == "1":
            pytest.fail(f"IGNY8_REQUIRE_WORDPRESS=1 but {message}", pytrace=False)
        pytest.skip(message)
    return found


def test_every_php_file_parses():
    php = need("php", "php-cli")
    assert len(PHP_FILES) > 10
    for path in PHP_FILES:
        done = subprocess.run([php, "-l", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_phpcs_finds_nothing():
    phpcs = need("phpcs", "php-codesniffer")
    done = subprocess.run(
        [phpcs, "--standard=phpcs.xml.dist", "--no-colors", "-q"],
        cwd=PLUGIN.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_header_says_what_wordpress_and_php_it_needs_and_the_licence():
    header = (PLUGIN / "igny8-bridge.php").read_text()
    assert re.search(r"Requires at least:\s*6\.0", header)
    assert re.search(r"Requires PHP:\s*8\.0", header)
    assert re.search(r"License:\s*GPL-2\.0-or-later", header)
    version = plugin_zip.plugin_version()
    assert f"define('IGNY8_BRIDGE_VERSION', '{version}')" in header
    assert f"Stable tag: {version}" in (PLUGIN / "readme.txt").read_text()


def test_no_php_newer_than_8_0_is_used():
    """WordPress sites on PHP 8.0 must load the plugin: no enums, readonly, never, first-class
    callables or `new` in initialisers (all PHP 8.1)."""
    newer = re.compile(r"\benum\s+\w+|\breadonly\b|\):\s*never\b|\w\(\.\.\.\)|=\s*new\s+\w+\(")
    for path in PHP_FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not newer.search(line), f"{path.name}:{number}: {line.strip()}"


def test_the_zip_holds_the_plugin_under_its_folder_and_is_reproducible():
    data = plugin_zip.build_zip()
    assert data == plugin_zip.build_zip()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "igny8-bridge/igny8-bridge.php" in names
    assert "igny8-bridge/uninstall.php" in names
    assert "igny8-bridge/src/Signature.php" in names
    assert all(name.startswith("igny8-bridge/") for name in names)
    assert len(names) == len(list(p for p in PLUGIN.rglob("*") if p.is_file()))


def test_make_plugin_writes_the_zip(tmp_path):
    target = tmp_path / "igny8-bridge.zip"
    assert plugin_zip.main(["plugin_zip", str(target)]) == 0
    assert target.read_bytes() == plugin_zip.build_zip()
