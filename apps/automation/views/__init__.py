"""Automation pages: the site's pipeline and settings (`page`), run history and one run
(`runs`)."""
