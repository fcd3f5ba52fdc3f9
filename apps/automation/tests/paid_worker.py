"""`manage.py qcluster` whose AI runs are priced as a real provider's: the same stand-in as the
`paid_ai` fixture (tests/fixtures.py), set before the cluster starts so that its forked
workers have it. For tests only (the kill-and-restart test runs it as a real process).

WRITE_SECONDS (environment) makes each article take that long, so that a test can kill the
worker while one is being written.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from igny8.ai import costs, engine
    from igny8.ai.config import AIConfig
    from igny8.ai.providers.offline import OfflineProvider

    delay = float(os.environ.get("WRITE_SECONDS", "0") or 0)

    class StandIn(OfflineProvider):
        name = "stand-in"
        label = "Stand-in provider (tests)"

        def complete_text(self, request):  # noqa: ANN001, ANN201
            time.sleep(delay)
            return super().complete_text(request)

    config = AIConfig(
        source="workspace",
        base_url="https://ai.test/v1",
        text_model="stand-in-text",
        image_model="stand-in-image",
    )
    real = engine.provider_for
    costs.in_force = lambda: config
    engine.provider_for = lambda c: real(c) if c.is_offline else StandIn()
    execute_from_command_line([sys.argv[0], "qcluster"])


if __name__ == "__main__":
    main()
