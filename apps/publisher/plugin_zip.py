"""The IGNY8 Bridge plugin as the zip WordPress installs (Plugins → Add New → Upload).

`build_zip()` is what the integration page offers for download and what `make plugin` writes
to `dist/igny8-bridge.zip`. The zip is built from `wordpress-plugin/igny8-bridge/` on demand,
byte-for-byte the same for the same files (fixed timestamps, sorted names), so it never goes
stale and needs no build step. Pure Python: no Django needed (`python3 -m
apps.publisher.plugin_zip`).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "wordpress-plugin" / "igny8-bridge"
SLUG = "igny8-bridge"
FILENAME = f"{SLUG}.zip"
_EPOCH = (2020, 1, 1, 0, 0, 0)
_VERSION = re.compile(r"^\s*\*\s*Version:\s*(\S+)", re.M)


def plugin_version() -> str:
    """The version in the plugin's header."""
    found = _VERSION.search((PLUGIN_DIR / f"{SLUG}.php").read_text())
    return found.group(1) if found else ""


def _files() -> list[Path]:
    return sorted(
        path
        for path in PLUGIN_DIR.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(PLUGIN_DIR).parts)
    )


def build_zip() -> bytes:
    """The plugin zip: every file under `igny8-bridge/`, deterministic."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files():
            info = zipfile.ZipInfo(f"{SLUG}/{path.relative_to(PLUGIN_DIR).as_posix()}", _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    target = Path(argv[1] if len(argv) > 1 else f"dist/{FILENAME}")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = build_zip()
    target.write_bytes(data)
    print(f"{target}: IGNY8 Bridge {plugin_version()}, {len(data) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
