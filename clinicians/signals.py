"""Signals of the clinicians app, for the apps that depend on it."""

from django.dispatch import Signal

# Clinicians were created or changed in bulk (no post_save was sent for them): a roster import,
# pausing or resuming new clients; `count` says how many, and `clinician_ids` which (may be
# absent: then anyone may have changed).
roster_imported = Signal()

# Staff approved or returned the profile changes a clinician proposed: `clinician_id`,
# `approved` (a bool). Sent inside the deciding transaction.
profile_proposal_decided = Signal()

# A public profile is about to be shown (`request`, `clinician`). Apps further left answer with
# a dict of what the page offers beyond the profile itself, merged into the template's context:
# `next_times` (a list of {"label", "book_url" or None}), `times_zone` (the zone they are shown
# in), `book_url` and `book_text` (the "Book a free consultation" button), `results_url` (back
# to the visitor's own matches) and `not_among_matches`. The profile never shows a client's
# answers: what a receiver returns is about booking this clinician.
profile_shown = Signal()
