from django.core.management.base import BaseCommand, CommandError

from clinicians.demo import DEMO_CLINICIAN_EMAILS
from clinicians.models import Clinician
from clinicians.services import demo_logins_ensure


class Command(BaseCommand):
    help = (
        "Create or reset the demo logins (a practice staff user and two clinicians) and print "
        "them. The passwords are fixed and public: for the demo only, never in production."
    )

    def handle(self, *args, **options):
        found = set(
            Clinician.objects.filter(email__in=DEMO_CLINICIAN_EMAILS).values_list(
                "email", flat=True
            )
        )
        missing = [email for email in DEMO_CLINICIAN_EMAILS if email not in found]
        if missing:
            raise CommandError(
                f"Demo clinicians missing ({', '.join(missing)}); run `manage.py seed_demo` first."
            )
        logins = demo_logins_ensure(clinician_emails=DEMO_CLINICIAN_EMAILS)
        self.stdout.write("Demo logins (demo only, fixed passwords):")
        for login in logins:
            self.stdout.write(f"  {login.role:<32} {login.username:<16} {login.password}")
