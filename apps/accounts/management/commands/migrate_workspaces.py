"""Migrate the public schema and every workspace, skipping the ones already current.

The deploy step (`igny8_setup` runs it). Unlike `migrate_schemas` (still there for anyone who
calls it), a run with nothing to do costs two queries for all workspaces, and a schema that
fails is retried once and then named, with a non-zero exit. See apps.accounts.migrating.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Migrate the public schema and every workspace, skipping those already current."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shared", action="store_true", help="Only the public schema.")
        parser.add_argument("--tenant", action="store_true", help="Only the workspaces.")
        parser.add_argument(
            "-s", "--schema", "--schema_name", dest="schema_name", help="Only this schema."
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="Trust the fingerprints without reading every schema's django_migrations "
            "(skips one query; misses changes made outside this command).",
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, **options) -> None:
        from apps.accounts.migrating import Migrator, tenant_schemas

        verbosity = int(options["verbosity"])
        write = self.stdout.write if verbosity >= 1 else None
        migrator = Migrator(verify=not options["no_verify"], write=write)
        public = settings.PUBLIC_SCHEMA_NAME
        only_public, only_tenants = options["shared"], options["tenant"]
        failed: list[str] = []
        if options["schema_name"]:
            name = options["schema_name"]
            failed += self._report(name, migrator.run([name]), verbosity)
        else:
            # The public schema first: the list of workspaces lives in it.
            if not only_tenants:
                failed += self._report("public schema", migrator.run([public]), verbosity)
            if not only_public:
                failed += self._report("workspaces", migrator.run(tenant_schemas()), verbosity)
        connection.set_schema_to_public()
        if failed:
            raise CommandError(
                f"{len(failed)} schema(s) did not migrate, even on a second try: "
                f"{', '.join(failed)}. The others are current. Fix the error shown for each, "
                "then run `manage.py migrate_workspaces` again: it only looks at what is behind."
            )

    def _report(self, what: str, outcome, verbosity: int) -> list[str]:
        ran = {name: count for name, count in outcome.migrated.items() if count}
        if verbosity >= 1:
            line = (
                f"{what}: {len(outcome.skipped)} current "
                f"(checked in {outcome.check_seconds:.2f} s), "
                f"{len(ran)} migrated ({sum(ran.values())} migrations"
            )
            if ran:
                line += f", {outcome.schemas_per_minute:.0f} schemas/minute"
            line += ")"
            if outcome.retried:
                line += f", {len(outcome.retried)} retried"
            self.stdout.write(line)
        for name, error in outcome.failed.items():
            self.stderr.write(f"{name}: {error}")
        return list(outcome.failed)
