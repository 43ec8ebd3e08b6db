"""Strengths per concern, simulated: synthetic clinicians whose true effect with a concern is
known, clients whose improvement is that effect plus noise, and the practice's own estimate and
ranking code (matching.scoring) in between. No database.

    .venv/bin/python bench/strengths_sim.py [--reps 200] [--clinicians 20] [--seed 7]

For each number n of clients with a check-in per clinician (the same n for everyone, first
concern anxiety), it draws true effects θ_c ~ N(μ, τ²) and improvements y ~ N(θ_c, σ²) with
σ = 3 points of PHQ-2 + GAD-2 (0–12), estimates each clinician's strength with
`estimate_strengths` (shrunk toward the practice's mean with the default k = 10), ranks a client
whose first concern is anxiety over clinicians who differ in other ways (style, approaches,
focus), once with strengths off and once on (default scale and cap), and counts:

- **flips**: pairs of clinicians whose order the strengths changed, per client;
- **correct**: of those flips, the share that put the clinician with the larger true θ first
  (50% is a coin toss);
- **gain**: how much larger the true θ of the client's top match is with strengths on than
  off, in points of improvement (averaged over clients);
- **excluded**: clinicians matched with strengths off but not with them on (must be 0), and the
  largest change of a goals score (must stay within the cap).

τ is set from the share of outcome variance that lies between therapists: 5% (the usual
estimate, τ ≈ 0.69) and 10% (τ ≈ 1.0) for a practice whose clinicians differ more."""

import argparse
import dataclasses
import math
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

SIGMA = 3.0
PRACTICE_MEAN = 2.0  # points of improvement by the check-in, on average
NS = (0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 80)
SHARES = (0.05, 0.10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt

    from matching.intake_schema import Vocabularies, parse_intake
    from matching.scoring import ClinicianProfile, Weights, rank
    from matching.scoring.strengths import Outcome, estimate_strengths

    now = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    vocabularies = Vocabularies.from_names(
        concerns=["anxiety", "depression", "sleep", "grief and loss"],
        approaches=["CBT", "EMDR", "DBT", "psychodynamic"],
        languages=["English"],
        insurance=[],
        communities=[],
        offices=[],
    )
    rng = random.Random(args.seed)
    off = Weights()
    on = dataclasses.replace(off, strengths_on=True)
    k = 10.0  # MatchingSettings.strength_prior_clients' default

    def client(i: int):
        style = {key: rng.randint(1, 5) for key in ("lead", "focus", "time", "challenge")}
        return parse_intake(
            {
                "for_whom": "myself",
                "age_band": "adults",
                "state": "NY",
                "format": "video",
                "concerns": ["anxiety", rng.choice(["depression", "sleep", "grief and loss"])],
                "style": style,
                "approaches_wanted": rng.sample(["CBT", "EMDR", "DBT"], 1),
                "email": f"client{i}@example.org",
            },
            vocabularies=vocabularies,
        )

    def roster(n_clinicians: int) -> list[ClinicianProfile]:
        out = []
        for cid in range(1, n_clinicians + 1):
            concerns = {"anxiety"} | set(rng.sample(["depression", "sleep", "grief and loss"], 2))
            out.append(
                ClinicianProfile(
                    id=cid,
                    email=f"c{cid}@example.org",
                    languages=frozenset({"English"}),
                    concerns=frozenset(concerns),
                    focus_concerns=frozenset({"anxiety"}) if rng.random() < 0.4 else frozenset(),
                    approaches=frozenset(rng.sample(["CBT", "EMDR", "DBT", "psychodynamic"], 2)),
                    style=tuple(rng.randint(1, 5) for _ in range(4)),
                    licensed_states=frozenset({"NY"}),
                    first_open_slot=now + dt.timedelta(hours=rng.randint(20, 300)),
                    felt_heard=(rng.randint(0, 10), 10),
                )
            )
        return out

    print(
        f"{args.clinicians} clinicians, {args.reps} practices per row, σ = {SIGMA}, k = {k:g}, "
        f"scale {on.strength_scale:g} points per point, cap {on.strength_cap:g}"
    )
    for share in SHARES:
        tau = SIGMA * math.sqrt(share / (1 - share))
        print(f"\nTherapists explain {share:.0%} of outcome variance (τ = {tau:.2f})")
        print(
            "| check-ins per clinician | flips per client | correct flips | "
            "top match's true effect, gain | excluded | largest goals change |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for n in NS:
            flips = correct = excluded = 0
            gain = 0.0
            clients_seen = 0
            largest = 0.0
            for rep in range(args.reps):
                profiles = roster(args.clinicians)
                theta = {p.id: rng.gauss(PRACTICE_MEAN, tau) for p in profiles}
                outcomes = [
                    Outcome(p.id, "anxiety", rng.gauss(theta[p.id], SIGMA))
                    for p in profiles
                    for _ in range(n)
                ]
                estimates = {e.clinician_id: e for e in estimate_strengths(outcomes, k=k)}
                with_strengths = [
                    dataclasses.replace(
                        p,
                        strengths=(
                            (("anxiety", estimates[p.id].advantage, estimates[p.id].clients),)
                            if p.id in estimates
                            else ()
                        ),
                    )
                    for p in profiles
                ]
                a = client(rep)
                before = rank(a, with_strengths, practice_felt_heard=0.5, weights=off, now=now)
                after = rank(a, with_strengths, practice_felt_heard=0.5, weights=on, now=now)
                clients_seen += 1
                ids_before = {m.clinician_id for m in before.matches}
                ids_after = {m.clinician_id for m in after.matches}
                excluded += len(ids_before - ids_after)
                goals_before = {m.clinician_id: m.components.goals for m in before.matches}
                for m in after.matches:
                    largest = max(largest, abs(m.components.goals - goals_before[m.clinician_id]))
                pos_before = {m.clinician_id: i for i, m in enumerate(before.matches)}
                order = [m.clinician_id for m in after.matches]
                for i, x in enumerate(order):
                    for y in order[i + 1 :]:
                        if pos_before[x] > pos_before[y]:  # x now ahead of y: a flip
                            flips += 1
                            correct += theta[x] > theta[y]
                gain += theta[order[0]] - theta[before.matches[0].clinician_id]
            rate = f"{100 * correct / flips:.1f}%" if flips else "no flips"
            print(
                f"| {n} | {flips / clients_seen:.2f} | {rate} | "
                f"{gain / clients_seen:+.3f} | {excluded} | {largest:.1f} |"
            )


if __name__ == "__main__":
    main()
