"""A one-line summary of a scenario: what is launched, and what defends."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from skyshield.model.library import library
from skyshield.model.scenario import Scenario


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    description: str
    duration_min: float
    threats: int  # launched, all waves
    threats_by_class: dict[str, int]  # threat class -> count
    aircraft: int  # coalition aircraft, all squadrons
    aircraft_by_nation: dict[str, int]
    squadrons: int
    radars: int
    air_defence_sites: int

    def line(self) -> str:
        by_cls = ", ".join(f"{n} {c}" for c, n in self.threats_by_class.items())
        by_nat = ", ".join(f"{n} {c}" for c, n in self.aircraft_by_nation.items())
        return (f"{self.duration_min:g} min; {self.threats} threats ({by_cls}); "
                f"{self.aircraft} aircraft in {self.squadrons} squadrons ({by_nat}); "
                f"{self.radars} radars; {self.air_defence_sites} Ukrainian air defence sites")


def summarize(s: Scenario) -> ScenarioSummary:
    """Counts of a (validated) scenario."""
    lib = library()
    by_cls: Counter[str] = Counter()
    for w in s.raid.waves:
        by_cls[lib.threat(w.threat).cls.value] += w.count
    by_nat = {n.nation: sum(q.count for q in n.squadrons) for n in s.coalition}
    return ScenarioSummary(
        name=s.name, description=" ".join(s.description.split()),
        duration_min=s.duration_min, threats=sum(by_cls.values()),
        threats_by_class=dict(by_cls), aircraft=sum(by_nat.values()),
        aircraft_by_nation=by_nat, squadrons=sum(len(n.squadrons) for n in s.coalition),
        radars=len(s.radars), air_defence_sites=len(s.air_defence),
    )
