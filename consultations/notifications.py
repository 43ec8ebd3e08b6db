"""Notifications: rows in the database, swept and sent exactly once (being built)."""


def consultation_notify(*, consultation, event: str) -> None:
    """Record the messages that a consultation event calls for. Call inside the transaction."""


def intake_safety_notify(*, intake_reference) -> None:
    """Record the email to the practice's intake address about a safety flag (no answers)."""
