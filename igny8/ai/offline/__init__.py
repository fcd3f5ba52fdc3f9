"""The built-in offline writer: deterministic, template-built output for every AI function.

No network and no model: sentences are assembled from phrase banks, chosen by a random
generator seeded from a hash of the request, so the same input always gives the same output
and different topics read differently. It writes English whatever the site's language (the
scaffolding is not translated); a real provider is needed for prose in other languages.
"""
