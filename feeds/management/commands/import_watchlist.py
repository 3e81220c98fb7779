"""Load the instruments to track from a CSV or JSON file (see examples/)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feeds.watchlist import import_watchlist, parse_watchlist


class Command(BaseCommand):
    help = "Track the instruments listed in a CSV (exchange,symbol or instrument) or JSON file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--replace", action="store_true", help="forget the instruments tracked so far")

    def handle(self, *args, path, replace, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no file {path}")
        entries, errors = parse_watchlist(file.read_text(), file.name)
        for error in errors:
            self.stderr.write(error)
        if errors and not entries:
            raise CommandError("nothing to import")
        result = import_watchlist(entries, replace=replace)
        self.stdout.write(
            f"Tracking {result.added} new, {result.existing} already tracked, {len(errors)} rows refused."
        )
        self.stdout.write("Feed workers pick the list up when they start.")
