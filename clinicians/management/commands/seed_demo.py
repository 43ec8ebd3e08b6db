from django.core.management.base import BaseCommand, CommandError

from clinicians.demo import demo_roster, demo_rows_missing, refuse_outside_demo
from clinicians.services import clinician_roster_import, demo_portraits_add
from clinicians.zones import practice_today


class Command(BaseCommand):
    help = (
        "Load the demo practice: about 40 clinicians with licences, consultation hours and "
        "drawn portraits. "
        "Only missing demo clinicians are added; those already there are left as they are, "
        "with whatever staff or the clinician changed."
    )

    def handle(self, *args, **options):
        refuse_outside_demo()
        roster = demo_roster(today=practice_today())
        missing = demo_rows_missing(roster)
        result = clinician_roster_import(rows=missing, dry_run=False)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError("The demo practice could not be loaded; nothing was written.")
        # Drawn portraits for the clinicians just added (the others keep what they have).
        demo_portraits_add(clinician_emails=[row["email"] for row in missing])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo practice: {result.created} created, {result.updated} updated, "
                f"{len(roster) - len(missing)} unchanged."
            )
        )
