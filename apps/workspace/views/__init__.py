"""The workspace app's views, one module per feature."""
