"""The writer app's selectors, one module per feature."""
