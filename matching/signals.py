from django.dispatch import receiver

from consultations.signals import client_data_erased

from .services import intake_erase


@receiver(client_data_erased, dispatch_uid="matching.erase_intake")
def erase_intake(sender, client_reference, **kwargs) -> None:
    if client_reference:
        intake_erase(reference=client_reference)
