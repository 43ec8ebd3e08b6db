import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    """Development: one `.eml` file per message in EMAIL_FILE_PATH, to open in any mail reader.

    Django's file backend appends a whole connection's messages to one log file; one file per
    message is easier to read and to count.
    """

    def __init__(self, *, file_path=None, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        path = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("EmlFileBackend needs EMAIL_FILE_PATH.")
        self.directory = Path(path)

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        # Each file has a unique name and appears whole (os.replace), so no lock is needed.
        for message in email_messages:
            self._write(message)
        return len(email_messages)

    def _write(self, message) -> None:
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(message.message().as_bytes(linesep="\n"))
        # A reader never sees half a message.
        os.replace(partial, self.directory / name)
