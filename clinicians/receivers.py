"""The brand cache (clinicians/branding.py) is dropped whenever staff change the brand: at once,
and again when the change commits, so a read in between can't keep the old brand."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .branding import practice_brand_forget
from .models import PracticeBrand


@receiver([post_save, post_delete], sender=PracticeBrand)
def brand_changed(**kwargs) -> None:
    practice_brand_forget()
    transaction.on_commit(practice_brand_forget)
