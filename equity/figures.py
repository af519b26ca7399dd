"""What the criteria engine reads: participation figures (from the platform's own
participation record, or from a pilot's reports), the city's census, and the outcome of
a process. Plain data, no Django: any source can build them.

Group keys are ``"<question>.<answer>"`` (``participation.demographics``); a
question's ``"<question>.not_given"`` may be left out, the engine counts everyone not
in an answer there, so shares always add up to all participants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ParticipationFigures:
    """Distinct residents who took part, each counted once per breakdown.

    - ``by_channel``: each participant once, by the channel they took part through
      (the platform: of their counted vote); the values add up to ``participants``.
    - ``by_neighbourhood``: slug → participants; residents of no known neighbourhood
      under ``""``. ``by_neighbourhood_channel``: slug → channel → participants.
    - ``by_group``: group key → participants.
    - ``by_phase``: ideas, comments, supports, votes → distinct residents (informative;
      no criterion reads it).
    """

    participants: int
    by_channel: Mapping[str, int] = field(default_factory=dict)
    by_neighbourhood: Mapping[str, int] = field(default_factory=dict)
    by_neighbourhood_channel: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    by_group: Mapping[str, int] = field(default_factory=dict)
    by_phase: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NeighbourhoodCensus:
    slug: str
    name: str
    population: int
    need_index: float
    # group key → residents (the census denominators)
    groups: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Census:
    neighbourhoods: Sequence[NeighbourhoodCensus]

    @property
    def population(self) -> int:
        return sum(n.population for n in self.neighbourhoods)

    def group_total(self, key: str) -> int:
        return sum(n.groups.get(key, 0) for n in self.neighbourhoods)


@dataclass(frozen=True)
class OutcomeFigures:
    """What a process did with the participation: ideas → ballot → funding → delivery.
    ``funded``/``funded_from_ideas`` are None until results are published."""

    ballot_projects: int = 0
    ballot_from_ideas: int = 0
    funded: int | None = None
    funded_from_ideas: int | None = None
    # slug → money funded in projects located there (published results only)
    funds_by_neighbourhood: Mapping[str, Decimal] = field(default_factory=dict)
    ideas: int = 0
    ideas_decided: int = 0
    median_decision_days: float | None = None
    funded_recently_updated: int | None = None
