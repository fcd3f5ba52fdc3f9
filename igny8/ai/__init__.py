"""The AI engine: every module calls AI only through `igny8.ai.engine`."""
