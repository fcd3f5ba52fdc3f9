"""The planner app's forms, one module per feature."""
