"""Sort indexes for the keywords page at 50,000+ keywords a site (bench/planner_pages.py).

"ORDER BY difficulty, id LIMIT 50" over a site's live keywords reads 50 index entries with
(site, difficulty, id), instead of sorting the whole site; likewise CPC, highest first (the
direction its column header starts with; NULLs last). Volume and text already have
(site, column) indexes. The other columns sort the site in memory: each index costs time on
every insert, and a 100,000-row import has a goal of its own.

Search ("the normalised text contains …") has no index: a pg_trgm GIN index works here (the
extension installs into `public` on the embedded server too) but it made inserting 100,000
keywords about 2.5x slower, which an import cannot afford; a LIKE over one site's live
keywords stays in the milliseconds at 50,000.
"""

from django.db import migrations

LIVE = "WHERE deleted_at IS NULL"

INDEXES = {
    "keyword_live_difficulty": f"(site_id, difficulty, id) {LIVE}",
    "keyword_live_cpc": f"(site_id, cpc DESC NULLS LAST, id DESC) {LIVE}",
}


class Migration(migrations.Migration):
    dependencies = [("planner", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON planner_keyword {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
