from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinicians.interchange import serialise
from clinicians.selectors import clinician_roster_export


class Command(BaseCommand):
    help = (
        "Write every clinician in the roster format of docs/interchange.md, to standard output or "
        "a file; importing the result changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=("json", "csv"),
            help="json (the default) or csv; taken from the -o file name when not given",
        )
        parser.add_argument("-o", "--output", help="file to write instead of standard output")

    def handle(self, *args, format, output, **options):
        fmt = format
        if fmt is None and output and output.lower().endswith(".csv"):
            fmt = "csv"
        text = serialise(clinician_roster_export(), fmt=fmt or "json")
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{output}: can't write it ({exc})") from None
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(text, ending="")
