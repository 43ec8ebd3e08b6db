"""Signals of the clinicians app, for the apps that depend on it."""

from django.dispatch import Signal

# Clinicians were created in bulk (no post_save was sent for them); `count` says how many.
roster_imported = Signal()
