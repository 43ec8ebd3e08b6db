"""Signals of the clinicians app, for the apps that depend on it."""

from django.dispatch import Signal

# Clinicians were created in bulk (no post_save was sent for them); `count` says how many.
roster_imported = Signal()

# Staff approved or returned the profile changes a clinician proposed: `clinician_id`,
# `approved` (a bool). Sent inside the deciding transaction.
profile_proposal_decided = Signal()
