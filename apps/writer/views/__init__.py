"""The writer app's views, one module per feature."""
