"""The workspace app's forms, one module per feature."""
