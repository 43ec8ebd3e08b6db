from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinicians.interchange import RosterFormatError, parse
from clinicians.services import clinician_roster_import


class Command(BaseCommand):
    help = (
        "Create or update clinicians from a roster file (.json or .csv, see docs/interchange.md), "
        "matched by email. All or nothing: with any error, nothing is written. Rows are "
        "numbered from 1, the first clinician (a CSV header is not counted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="roster file ending in .json or .csv")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("json", "csv"):
            raise CommandError(f"{file}: the file name must end in .json or .csv")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: can't read it ({exc})") from None
        try:
            rows = parse(text, fmt=fmt)
        except RosterFormatError as exc:
            raise CommandError(f"{file}: {exc}") from None

        result = clinician_roster_import(rows=rows, dry_run=dry_run)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(
                f"{len(result.errors)} error(s) in {file}; nothing was written. "
                "Fix them and run the import again."
            )
        summary = (
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: would be {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary}."))
