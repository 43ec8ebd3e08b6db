"""Strengths per concern: each clinician's mean improvement with clients whose first concern
is the same, shrunk toward the practice's mean for that concern (docs/domain.md, "Strengths
per concern"). Pure: outcomes in, estimates out.

The model is normal–normal (empirical Bayes): a client's improvement y ~ N(θ_c, σ²) around
their clinician's true effect θ_c, and θ_c ~ N(μ, τ²) around the practice's mean μ. The
posterior mean is (n·ȳ_c + k·μ) / (n + k) with k = σ²/τ², stated by staff (MatchingSettings.
strength_prior_clients) rather than fitted, and the posterior standard deviation is
σ / √(n + k). A clinician with no clients sits exactly at μ."""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# Until the practice has this many outcomes, σ is taken as DEFAULT_SIGMA rather than measured.
MIN_OUTCOMES_FOR_SIGMA = 20
# PHQ-4 change scores spread about 3 points (0–12 scale) in primary-care samples.
DEFAULT_SIGMA = 3.0


@dataclass(frozen=True)
class Outcome:
    clinician_id: int
    concern: str
    improvement: float  # PHQ-2 + GAD-2 before minus after: positive is better


@dataclass(frozen=True)
class Estimate:
    clinician_id: int
    concern: str
    clients: int
    raw_mean: float
    practice_mean: float
    prior_clients: float
    estimate: float
    uncertainty: float

    @property
    def advantage(self) -> float:
        return self.estimate - self.practice_mean


def shrunk_mean(total: float, n: int, *, prior_mean: float, k: float) -> float:
    """(n·mean + k·prior_mean) / (n + k), from the sum of the n values."""
    if k <= 0:
        raise ValueError("k must be positive")
    return (total + k * prior_mean) / (n + k)


def posterior_sd(sigma: float, n: int, k: float) -> float:
    return sigma / math.sqrt(n + k)


def pooled_sigma(outcomes: list[Outcome]) -> float:
    """The spread of improvements around each clinician-and-concern's own mean."""
    if len(outcomes) < MIN_OUTCOMES_FOR_SIGMA:
        return DEFAULT_SIGMA
    groups: dict[tuple[int, str], list[float]] = defaultdict(list)
    for o in outcomes:
        groups[(o.clinician_id, o.concern)].append(o.improvement)
    squares, dof = 0.0, 0
    for values in groups.values():
        mean = sum(values) / len(values)
        squares += sum((v - mean) ** 2 for v in values)
        dof += len(values) - 1
    if dof < MIN_OUTCOMES_FOR_SIGMA // 2:
        return DEFAULT_SIGMA
    return max(math.sqrt(squares / dof), 0.5)


def estimate_strengths(outcomes: Iterable[Outcome], *, k: float) -> list[Estimate]:
    """One estimate per clinician and concern that has at least one outcome."""
    outcomes = list(outcomes)
    sigma = pooled_sigma(outcomes)
    by_concern: dict[str, list[float]] = defaultdict(list)
    by_pair: dict[tuple[int, str], list[float]] = defaultdict(list)
    for o in outcomes:
        by_concern[o.concern].append(o.improvement)
        by_pair[(o.clinician_id, o.concern)].append(o.improvement)
    practice = {c: sum(v) / len(v) for c, v in by_concern.items()}
    out = []
    for (cid, concern), values in sorted(by_pair.items()):
        n = len(values)
        mu = practice[concern]
        out.append(
            Estimate(
                clinician_id=cid,
                concern=concern,
                clients=n,
                raw_mean=sum(values) / n,
                practice_mean=mu,
                prior_clients=k,
                estimate=shrunk_mean(sum(values), n, prior_mean=mu, k=k),
                uncertainty=posterior_sd(sigma, n, k),
            )
        )
    return out
