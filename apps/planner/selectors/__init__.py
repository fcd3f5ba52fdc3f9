"""The planner app's selectors, one module per feature."""
