"""The workspace app's services, one module per feature."""
