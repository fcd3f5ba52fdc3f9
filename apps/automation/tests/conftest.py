import pytest


@pytest.fixture(autouse=True)
def log_dir(settings, tmp_path):
    """Each test's run logs in a folder of its own (never the developer's logs)."""
    settings.LOG_DIR = tmp_path / "logs"
    return settings.LOG_DIR
