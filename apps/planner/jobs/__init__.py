"""The planner app's jobs, one module per feature."""
