"""The writer app's jobs, one module per feature."""
