"""Automation's services (keyword-only arguments). Pages use these and `selectors` only."""

from apps.automation.services.config import config_for, config_reset, config_save
from apps.automation.services.preview import (
    RunPreview,
    StageCount,
    StagePreview,
    pipeline_counts,
    run_preview,
)
from apps.automation.services.runs import (
    CannotStart,
    NotNow,
    RunActive,
    run_cancel,
    run_pause,
    run_resume,
    run_start,
)

__all__ = [
    "CannotStart",
    "NotNow",
    "RunActive",
    "RunPreview",
    "StageCount",
    "StagePreview",
    "config_for",
    "config_reset",
    "config_save",
    "pipeline_counts",
    "run_cancel",
    "run_pause",
    "run_preview",
    "run_resume",
    "run_start",
]
