"""The planner app's views, one module per feature."""
