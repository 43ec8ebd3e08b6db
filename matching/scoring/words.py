"""Reasons, worded only when read.

A component asked to explain itself notes why as it decides: a note is a `Wording` (how one
kind of reason reads) and the value it reads with (a concern, an approach, a time code, or
None). Ranking thousands of clinicians only adds up points; the matches whose reasons are read
(the few the results page shows) are asked again, and their notes worded here."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    text: str
    positive: bool

    def __str__(self) -> str:
        return self.text


class Wording:
    """One kind of reason: whether it speaks for the match, and its words for a value."""

    __slots__ = ("positive", "words")

    def __init__(self, positive: bool, words: Callable[[str | None], str]):
        self.positive = positive
        self.words = words


# (how it reads, the value it reads with)
Note = tuple[Wording, str | None]


class Reader:
    """Words notes into reasons for one ranking, each distinct note once. A value that is a
    vocabulary name reads as `labels` has it in the reader's language (a Spanish client
    reads "ansiedad" for anxiety)."""

    def __init__(self, labels: Mapping[str, str] | None = None) -> None:
        self._seen: dict[Note, Reason] = {}
        self._labels = labels or {}

    def reasons(self, notes: Iterable[Note]) -> tuple[Reason, ...]:
        """What speaks for the match first, then what is worth knowing, each in rule order."""
        seen = self._seen
        pos: list[Reason] = []
        neg: list[Reason] = []
        for note in notes:
            reason = seen.get(note)
            if reason is None:
                wording, value = note
                shown = self._labels.get(value, value) if isinstance(value, str) else value
                reason = seen[note] = Reason(str(wording.words(shown)), wording.positive)
            (pos if reason.positive else neg).append(reason)
        return tuple(pos + neg)
