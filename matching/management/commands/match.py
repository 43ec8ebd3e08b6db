import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matching.intake_schema import IntakeInvalid
from matching.selectors import intake_match_list


class Command(BaseCommand):
    help = (
        "Rank the practice's clinicians for an intake (docs/interchange.md), exactly as the "
        "results page does, without saving anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("intake", help="Path to an intake JSON file.")
        parser.add_argument("--top", type=int, default=None, help="Show only the best N matches.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, intake, top, **options):
        if top is not None and top < 1:
            raise CommandError("--top must be 1 or more.")
        data = _read(intake)
        try:
            ranking = intake_match_list(
                answers=data, now=timezone.now(), list_all_exclusions=True
            ).ranking
        except IntakeInvalid as exc:
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in exc.errors.items()]
            raise CommandError("The intake has problems:\n" + "\n".join(lines)) from None
        matches = ranking.matches if top is None else ranking.matches[:top]
        excluded = ranking.excluded if top is None else []
        if options["json"]:
            self.stdout.write(_as_json(matches, excluded, ranking.relaxations))
        else:
            self._print(matches, excluded, ranking.relaxations)

    def _print(self, matches, excluded, relaxations):
        if not matches:
            self.stdout.write("No clinician passes every requirement.")
        for i, m in enumerate(matches, 1):
            c = m.components
            self.stdout.write(
                f"{i:>3}. {m.email}  {m.score:.1f}  "
                f"(goals {c.goals:.1f}, tasks {c.tasks:.1f}, bond {c.bond:.1f}, "
                f"practical {c.practical:.1f})"
            )
            for reason in m.reasons:
                self.stdout.write(f"       {'+' if reason.positive else '-'} {reason}")
        if excluded:
            self.stdout.write("\nExcluded:")
            for e in excluded:
                self.stdout.write(f"     {e.email}: {'; '.join(e.reasons)}")
        if relaxations:
            self.stdout.write("\nRelaxing one preference would add:")
            for r in relaxations:
                label = f"{r.preference} ({r.value})" if r.value else r.preference
                self.stdout.write(f"     {label}: {r.would_add}")


def _read(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise CommandError(f"Can't read {path}: {exc.strerror}.") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}.") from None


def _as_json(matches, excluded, relaxations) -> str:
    return json.dumps(
        {
            "matches": [
                {
                    "clinician": m.email,
                    "score": m.score,
                    "components": m.components.as_dict(),
                    "reasons": [str(r) for r in m.reasons],
                }
                for m in matches
            ],
            "excluded": [{"clinician": e.email, "reasons": list(e.reasons)} for e in excluded],
            "relaxations": [
                {"preference": r.preference, "would_add": r.would_add} for r in relaxations
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
