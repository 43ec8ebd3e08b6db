"""Notifications: rows in the database, swept and sent exactly once (being built)."""


def consultation_notify(*, consultation, event: str) -> None:
    """Record the messages that a consultation event calls for. Call inside the transaction."""
