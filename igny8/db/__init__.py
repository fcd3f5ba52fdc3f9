"""Database pieces of our own (the PostgreSQL backend with one schema switch per request)."""
