from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from clinicians.demo import DEMO_CLINICIAN_EMAILS, refuse_outside_demo
from clinicians.models import Clinician
from clinicians.services import demo_logins_ensure


class Command(BaseCommand):
    help = (
        "Create or reset the demo logins (a practice staff user and two clinicians) and print "
        "them. The passwords are fixed and public: for the demo only, never in production."
    )

    def handle(self, *args, **options):
        refuse_outside_demo()
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
        try:
            logins = demo_logins_ensure(clinician_emails=DEMO_CLINICIAN_EMAILS)
        except Group.DoesNotExist:
            raise CommandError(
                'The "Practice staff" group is missing; run `manage.py migrate` first.'
            ) from None
        self.stdout.write("Demo logins (demo only, fixed passwords):")
        for login in logins:
            self.stdout.write(f"  {login.role:<32} {login.username:<16} {login.password}")
