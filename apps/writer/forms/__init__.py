"""The writer app's forms, one module per feature."""
