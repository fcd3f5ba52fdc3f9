"""The billing app's urls, one module per feature."""
