"""django-tenants' PostgreSQL backend, setting `search_path` once instead of before every query.

ENGINE = "igny8.db.backend" (see base.py for when the path is sent again).
"""
