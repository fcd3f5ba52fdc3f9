"""The accounts app's urls, one module per feature."""
