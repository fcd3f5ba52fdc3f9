"""The seven stages: what each one finds pending, what it costs, and how it handles one item,
always through the planner's and the writer's own services (see `base` for how every stage is
idempotent)."""

from apps.automation.stages.base import (
    DUPLICATE,
    GONE,
    IDEAS_PER_CLUSTER,
    LAPSED,
    NO_MATCH,
    OUT_OF_CREDITS,
    REVIEW_BATCH,
    Context,
    Outcome,
    Stage,
    Unit,
)
from apps.automation.stages.pictures import Images, Prompts
from apps.automation.stages.planning import Clusters, Ideas, Keywords
from apps.automation.stages.review import Review, why_key
from apps.automation.stages.writing import Tasks

__all__ = [
    "DUPLICATE",
    "GONE",
    "IDEAS_PER_CLUSTER",
    "LAPSED",
    "NO_MATCH",
    "OUT_OF_CREDITS",
    "REVIEW_BATCH",
    "STAGE_CLASSES",
    "Context",
    "Outcome",
    "Stage",
    "Unit",
    "stage",
    "why_key",
]

STAGE_CLASSES: dict[int, Stage] = {
    s.number: s for s in (Keywords(), Clusters(), Ideas(), Tasks(), Prompts(), Images(), Review())
}


def stage(number: int) -> Stage:
    return STAGE_CLASSES[int(number)]
