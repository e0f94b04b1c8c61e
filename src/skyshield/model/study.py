"""The study schema: a base scenario, the options to compare, the raid variation per run.

A study file is YAML validated like a scenario: every problem is reported at once as
``file:line:col: field: message`` and a broken study is refused whole with a
`ScenarioError`. Each option is a named set of overrides of the base scenario; an override
naming a scenario field that does not exist is an error at its line. `load_study` returns a
`StudyPlan`: the study as declared plus, per option, the checked `Scenario` it runs.

Overrides of an option are applied in this order (each documented on `Option`):
``set`` (any field by dotted path, on the base scenario's layout) -> ``members`` ->
``zone_depth_km`` -> ``trigger`` -> ``hold_fire`` -> ``deconfliction``, then, with
``zone_depth_km`` or ``station_depth_km``, the patrol stations over Ukraine are placed at
their depth (`model.variants.place_stations`); ``picture`` and ``assign`` choose the
engine's air picture and assignment solver. ``members: []`` is a real scenario without a
coalition (the schema allows it): no aircraft fly, Ukraine's air defence fights alone.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from skyshield.doctrine import DEFAULT_ASSIGN
from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.scenario import (
    Nation,
    Radar,
    Rules,
    Scenario,
    Squadron,
    Strict,
    Wave,
    ZoneSpec,
)

PathT = tuple[str | int, ...]

# The headline metrics a study reports by default, by name; `sim.headline` says how each is
# computed from a run's metrics and in which unit.
HEADLINE = (
    "destroyed_coalition", "destroyed_ukraine", "reached_target", "nato_violations",
    "nato_violation_min", "nato_violation_depth_km", "debris_nato",
    "debris_nato_near_population", "debris_near_population", "munitions_on_nato", "sorties",
    "flight_hours", "shots", "cost_exchange", "max_depth_km", "ukr_minutes",
    "closest_blr_rus_km", "approvals", "held_fire",
)
PICTURES = ("perfect", "tracked")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")
_PATH_EL = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


# ---------------------------------------------------------------------- distributions
class Fixed(Strict):
    """Always `value`."""

    dist: Literal["fixed"]
    value: float


class Uniform(Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self


class Normal(Strict):
    """Normal with `mean` and standard deviation `sd`."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)


class LogNormal(Strict):
    """Log-normal with `median` and log standard deviation `sigma` (a factor's spread)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0, le=5)


class Poisson(Strict):
    """Poisson count with `mean`."""

    dist: Literal["poisson"]
    mean: float = Field(ge=0, le=1e6)


Distribution = Annotated[Fixed | Uniform | Normal | LogNormal | Poisson,
                         Field(discriminator="dist")]


class NightKind(Strict):
    """A kind of night (typical, large ...) drawn with `weight`; its `scale` multiplies counts."""

    name: str
    weight: float = Field(gt=0, description="relative probability of this kind of night")
    scale: Distribution = Field(description="factor on every wave's count, drawn per run")
    source: str = Field(default="", description="where the figures come from")


class WaveVariation(Strict):
    """How the matching waves vary per run; a wave is matched by `threat`, `launch_area`, index."""

    wave: int | None = Field(default=None, ge=0, description="index of one wave in the raid")
    threat: str | None = Field(default=None, description="every wave of this threat type")
    launch_area: str | None = Field(default=None, description="every wave from this area")
    count: Distribution | None = Field(default=None, description="the count, drawn per run")
    count_scale: Distribution | None = Field(default=None, description="factor on the count")
    shift_min: Distribution | None = Field(
        default=None, description="shift of the launch window [min] (start kept >= 0)")
    stretch: Distribution | None = Field(
        default=None, description="factor on the launch window's length")
    routing: dict[str, float] | None = Field(
        default=None, description="routing -> relative weight, one drawn per wave and run")

    @field_validator("routing")
    @classmethod
    def _routings(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        known = routings()
        bad = [k for k in v if k not in known]
        if bad:
            raise ValueError(f"unknown routing {bad[0]!r} (expected one of: {', '.join(known)})")
        if not v or any(not w > 0 for w in v.values()):
            raise ValueError("expected at least one routing, each with a weight > 0")
        return v


class Variation(Strict):
    """The raid variation drawn per run (the same draw for every option of a run index)."""

    nights: list[NightKind] = Field(default_factory=list)
    waves: list[WaveVariation] = Field(default_factory=list)

    @field_validator("nights")
    @classmethod
    def _unique(cls, v: list[NightKind]) -> list[NightKind]:
        names = [n.name for n in v]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"night kinds must have distinct names: {sorted(dup)}")
        return v


# ------------------------------------------------------------------------- options
class ExtraNation(Strict):
    """A nation an option may add to the base coalition: its squadrons and its rules."""

    squadrons: list[Squadron] = Field(min_length=1)
    rules: Rules
    zones: dict[str, ZoneSpec] = Field(
        default_factory=dict, description="zones its rules name that the base lacks")
    radars: list[Radar] = Field(default_factory=list, description="its radars")


class Option(Strict):
    """One policy option: overrides of the base scenario (all optional)."""

    description: str = ""
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="any scenario field by dotted path on the base scenario, e.g. "
        "'rules.POL.max_depth_km: 80' or 'coalition[0].squadrons[1].count: 4'")
    members: list[str] | None = Field(
        default=None, description="the coalition: nations kept from the base scenario or "
        "added from the study's `nations`, in this order; [] is no coalition")
    zone_depth_km: float | None = Field(
        default=None, ge=0, le=1500, description="how deep into Ukraine: every member's "
        "max_depth_km, the within_km of the near-border zones their engagement zones use, "
        "and their patrol stations over Ukraine placed within it (see station_depth_km)")
    station_depth_km: float | Literal["keep"] | None = Field(
        default=None, description="where the members' patrol stations over Ukraine stand, "
        "from their nation's border [km]; default with zone_depth_km: half the zone depth, "
        "the whole orbit inside it; 'keep': as declared in the scenario")
    trigger: dict[str, Any] | None = Field(
        default=None, description="every member's trigger rule (as in a scenario's rules)")
    hold_fire: dict[str, Any] | None = Field(
        default=None, description="every member's hold-fire rules (as in a scenario's rules)")
    deconfliction: dict[str, Any] | None = Field(
        default=None, description="fields of the scenario's deconfliction (policy, "
        "hold_fire_km)")
    picture: Literal["perfect", "tracked"] | None = None
    assign: str | None = Field(default=None, description="assignment solver name")

    @field_validator("station_depth_km", mode="before")
    @classmethod
    def _station_depth(cls, v: Any) -> Any:
        if v is None or v == "keep":
            return v
        if isinstance(v, bool) or not isinstance(v, float | int):
            raise ValueError(f"expected a depth in km or 'keep', got {v!r}")
        if not -100 <= v <= 1500:
            raise ValueError(f"expected -100 to 1500 km from the border (negative: behind "
                             f"it, over the nation's own territory), got {v:g}")
        return v

    @model_validator(mode="after")
    def _stations_in_zone(self) -> Option:
        d, z = self.station_depth_km, self.zone_depth_km
        if isinstance(d, float | int) and z is not None and d > z:
            raise ValueError(f"station_depth_km ({d:g}) is deeper than zone_depth_km ({z:g}): "
                             "the stations would stand where the members may not engage")
        return self


class Study(Strict):
    """A whole study file."""

    name: str
    description: str = ""
    scenario: str = Field(description="base scenario: a built-in name or a path relative to "
                          "the study file")
    runs: int = Field(default=20, ge=1, le=100_000, description="runs per option")
    baseline: str | None = Field(default=None, description="option the others are compared "
                                 "with (default: the first)")
    picture: Literal["perfect", "tracked"] = "perfect"
    assign: str = DEFAULT_ASSIGN
    duration_min: float | None = Field(default=None, gt=0, le=24 * 60,
                                       description="shorten (or lengthen) every run")
    common_random_numbers: bool = Field(
        default=True, description="every option of a run index flies the same raid and the "
        "same chance draws, so differences between options are paired")
    nations: dict[str, ExtraNation] = Field(default_factory=dict)
    variation: Variation = Field(default_factory=Variation)
    metrics: list[str] = Field(default_factory=lambda: list(HEADLINE))
    options: dict[str, Option] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _names(cls, v: dict[str, Option]) -> dict[str, Option]:
        for k in v:
            if not _NAME.match(k):
                raise ValueError(f"option name {k!r}: use letters, digits and _ . + - "
                                 "(it names a folder of results)")
        return v


@dataclass(frozen=True)
class OptionPlan:
    """One option ready to run: its checked scenario and engine choices."""

    name: str
    description: str
    scenario: Scenario
    picture: str
    assign: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class StudyPlan:
    """A checked study: the declaration, its base scenario, and each option's scenario."""

    study: Study
    base: Scenario
    options: tuple[OptionPlan, ...]
    file: str
    text: str

    @property
    def baseline(self) -> str:
        return self.study.baseline or self.options[0].name

    def option(self, name: str) -> OptionPlan:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)


# --------------------------------------------------------------------- built-ins
def builtin_studies() -> list[str]:
    """Names of the studies shipped in `skyshield/studies`, sorted."""
    folder = resources.files("skyshield").joinpath("studies")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def routings() -> tuple[str, ...]:
    """The routings a wave may take (from the scenario schema, so new ones flow in)."""
    return _literal_values(Wave.model_fields["routing"].annotation)


def _literal_values(tp: Any) -> tuple[str, ...]:
    """The values of a Literal, or of a union of Literals, in order."""
    if typing.get_origin(tp) is Literal:
        return tuple(typing.get_args(tp))
    out: list[str] = []
    for a in typing.get_args(tp):
        out += [v for v in _literal_values(a) if v not in out]
    return tuple(out)


def load_study(path_or_name: str | Path) -> StudyPlan:
    """Load and check a study file, or a built-in study by name (``"coalition-options"``)."""
    path = Path(path_or_name)
    if not path.is_file():
        stem = str(path_or_name).removesuffix(".yaml")
        if isinstance(path_or_name, Path) or any(s in str(path_or_name) for s in "/\\") \
                or stem not in builtin_studies():
            known = ", ".join(builtin_studies())
            raise ScenarioError([Problem(str(path_or_name), 0, 0, "", (
                f"no such file, and no built-in study of that name (built-ins: {known})"))])
        path = Path(str(resources.files("skyshield").joinpath("studies", stem + ".yaml")))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([Problem(str(path_or_name), 0, 0, "", f"cannot read: {e}")]) from e
    return parse_study(text, file=str(path_or_name), folder=path.parent)


def parse_study(text: str, file: str = "<string>", folder: Path | None = None) -> StudyPlan:
    """Parse and check study YAML `text`; `file` names it in problems, `folder` anchors paths."""
    from skyshield.model import loader

    tree, problems = loader._parse_yaml(text, file)
    if problems:
        raise ScenarioError([_reword(p) for p in problems])
    where = loader._locator(tree)
    data, problems = loader._plain(tree, file, where)
    if problems:
        raise ScenarioError(problems)
    try:
        study = Study.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_study_problems(e, file, where, data)) from None
    base = _base_scenario(study, file, where, folder)
    problems = _check_declared(study, base, file, where, data)
    if problems:
        raise ScenarioError(problems)
    plans = []
    for name, opt in study.options.items():
        plan, probs = _option_plan(study, base, name, opt, file, where)
        problems += probs
        if plan is not None:
            plans.append(plan)
    if problems:
        raise ScenarioError(problems)
    return StudyPlan(study, base, tuple(plans), file, text)


def _reword(p: Problem) -> Problem:
    return Problem(p.file, p.line, p.col, p.field,
                   p.message.replace("scenario fields", "study fields"))


def _study_problems(err: ValidationError, file: str, where: Any, data: Any) -> list[Problem]:
    from skyshield.model.loader import pydantic_problems

    out = []
    for p in pydantic_problems(err, file, where, data):
        msg = p.message
        if msg.startswith("unknown field") and "(expected one of" not in msg:
            fields = _study_fields_at(p.field)
            if fields:
                import difflib

                name = msg.split("'")[1] if "'" in msg else ""
                close = difflib.get_close_matches(name, fields, n=2, cutoff=0.6)
                if close:
                    msg += f": did you mean {', '.join(repr(c) for c in close)}?"
                msg += f" (expected one of: {', '.join(fields)})"
        out.append(Problem(p.file, p.line, p.col, p.field, msg))
    return out


def _study_fields_at(field: str) -> list[str] | None:
    """Field names of the study model holding dotted `field` (for 'did you mean')."""
    path = _parse_path(field)
    if path is None or not path:
        return None
    tp: Any = Study
    for el in path[:-1]:
        tp = _step(tp, el)
        if tp is None:
            return None
    tp = _unwrap(tp)
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else None


# -------------------------------------------------------------------------- checks
def _base_scenario(study: Study, file: str, where: Any, folder: Path | None) -> Scenario:
    from skyshield.model.loader import load_scenario

    ref = study.scenario
    cand = Path(ref)
    if not cand.is_absolute() and folder is not None and (folder / cand).is_file():
        cand = folder / cand
    try:
        return load_scenario(cand if cand.is_file() else ref)
    except ScenarioError as e:
        line, col = where(("scenario",))
        head = Problem(file, line, col, "scenario", f"base scenario {ref!r} is refused")
        raise ScenarioError([head, *e.problems]) from None


def _check_declared(study: Study, base: Scenario, file: str, where: Any,
                    data: dict) -> list[Problem]:
    """Cross-checks of the study that its schema cannot make."""
    out: list[Problem] = []

    def problem(path: PathT, msg: str) -> None:
        out.append(Problem(file, *where(path), _dotted(path), msg))

    if study.baseline is not None and study.baseline not in study.options:
        problem(("baseline",), f"no option named {study.baseline!r} (options: "
                f"{', '.join(study.options)})")
    nation_codes = _literal_values(Nation.model_fields["nation"].annotation)
    for code in study.nations:
        if code not in nation_codes:
            problem(("nations", code), f"{code!r} cannot be a coalition member (expected one "
                    f"of: {', '.join(nation_codes)})")
        elif any(m.nation == code for m in base.coalition):
            problem(("nations", code), f"{code} is already in the base scenario's coalition")
    waves = base.raid.waves
    for i, v in enumerate(study.variation.waves):
        if v.wave is not None and v.wave >= len(waves):
            problem(("variation", "waves", i, "wave"),
                    f"the base raid has {len(waves)} waves (0 to {len(waves) - 1})")
        elif not wave_matches(v, base):
            what = ", ".join(f"{k}={getattr(v, k)!r}" for k in ("threat", "launch_area")
                             if getattr(v, k) is not None)
            problem(("variation", "waves", i),
                    f"matches no wave of the base raid ({what}); its waves are: " + "; ".join(
                        f"{w.threat} from {w.launch_area}" for w in waves))
    if study.picture not in PICTURES:
        problem(("picture",), f"expected one of {PICTURES}")
    for i, m in enumerate(study.metrics):
        if m not in HEADLINE and "." not in m and "*" not in m:
            import difflib

            close = difflib.get_close_matches(m, HEADLINE, n=2, cutoff=0.6)
            hint = f": did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            problem(("metrics", i), f"unknown metric {m!r}{hint} (expected a headline metric "
                    f"({', '.join(HEADLINE)}) or a metrics.json path such as "
                    "'nations.POL.sorties')")
    return out


def wave_matches(v: WaveVariation, scenario: Scenario) -> list[int]:
    """Indices of the waves of `scenario` that variation `v` applies to."""
    return [i for i, w in enumerate(scenario.raid.waves)
            if (v.wave is None or v.wave == i)
            and (v.threat is None or v.threat == w.threat)
            and (v.launch_area is None or v.launch_area == w.launch_area)]


def _option_plan(study: Study, base: Scenario, name: str, opt: Option, file: str,
                 where: Any) -> tuple[OptionPlan | None, list[Problem]]:
    """Apply an option's overrides to the base scenario and check the result."""
    from skyshield.model.loader import pydantic_problems
    from skyshield.model.validate import check_geometry, check_references
    from skyshield.model.variants import place_stations

    at: PathT = ("options", name)
    problems: list[Problem] = []

    def problem(path: PathT, msg: str, field: str | None = None) -> None:
        problems.append(Problem(file, *where(path), field or _dotted(path), msg))

    data = base.model_dump(mode="json")
    if study.duration_min is not None:
        data["duration_min"] = study.duration_min
    for dotted, value in opt.set.items():
        err = set_path(data, dotted, value)
        if err:
            problem((*at, "set", dotted), err, f"{_dotted(at)}.set.{dotted}")
    members = tuple(m["nation"] for m in data["coalition"])
    if opt.members is not None:
        have = {m["nation"]: m for m in data["coalition"]}
        coalition, rules = [], {}
        for i, code in enumerate(opt.members):
            if code in have:
                coalition.append(have[code])
                if code in data["rules"]:
                    rules[code] = data["rules"][code]
            elif code in study.nations:
                extra = study.nations[code].model_dump(mode="json")
                coalition.append({"nation": code, "squadrons": extra["squadrons"]})
                rules[code] = extra["rules"]
                for z, spec in extra["zones"].items():
                    data.setdefault("zones", {}).setdefault(z, spec)
                data.setdefault("radars", []).extend(extra["radars"])
            else:
                problem((*at, "members", i), f"{code!r} is neither in the base scenario's "
                        f"coalition ({', '.join(have) or 'empty'}) nor in the study's nations "
                        f"({', '.join(study.nations) or 'none declared'})")
        if len(set(opt.members)) != len(opt.members):
            problem((*at, "members"), "a nation is listed twice")
        data["coalition"], data["rules"] = coalition, rules
        members = tuple(opt.members)
    if opt.zone_depth_km is not None:
        set_zone_depth(data, opt.zone_depth_km)
    for key in ("trigger", "hold_fire"):
        value = getattr(opt, key)
        if value is None:
            continue
        if key not in Rules.model_fields:
            problem((*at, key), f"the scenario's rules have no field {key!r} in this version "
                    f"of skyshield (rules fields: {', '.join(Rules.model_fields)})")
            continue
        for r in data["rules"].values():
            r[key] = copy.deepcopy(value)
    if opt.deconfliction is not None:
        data["deconfliction"] = {**data.get("deconfliction", {}), **opt.deconfliction}
    picture = opt.picture or study.picture
    assign = opt.assign or study.assign
    if problems:
        return None, problems

    # What goes wrong in the option's scenario is shown at the option, with the field.
    line, col = where(at)

    def at_option(_path: PathT) -> tuple[int, int]:
        return line, col

    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems += _in_option_all(pydantic_problems(e, file, at_option, data), name, opt,
                                   file, where)
    problems += [_in_option(p, name) for p in check_references(data, file, at_option)]
    if not problems and scenario is not None:
        stations = opt.station_depth_km
        if stations != "keep" and (opt.zone_depth_km is not None or stations is not None):
            scenario = place_stations(scenario, stations)
        problems += [_in_option(p, name) for p in check_geometry(scenario, file, at_option)]
    if problems or scenario is None:
        return None, problems
    plan = OptionPlan(name, opt.description, scenario, picture, assign, members)
    return plan, []


def _in_option_all(found: list[Problem], option: str, opt: Option, file: str,
                   where: Any) -> list[Problem]:
    """Problems of the option's scenario, each shown at the override that caused it: a `set`
    path, or an option-wide rule (trigger, hold_fire) or deconfliction, reported once at its
    line; anything else at the option, naming the scenario field."""
    out: list[Problem] = []
    for p in found:
        f = p.field
        m = re.match(r"^rules\.[A-Z]{3}\.(trigger|hold_fire)(.*)$", f)
        keys = [k for k in opt.set if f == k or f.startswith((k + ".", k + "["))]
        if keys:
            k = max(keys, key=len)
            out.append(Problem(file, *where(("options", option, "set", k)),
                               f"options.{option}.set.{f}", p.message))
        elif m and getattr(opt, m.group(1)) is not None:
            key = m.group(1)
            out.append(Problem(file, *where(("options", option, key)),
                               f"options.{option}.{key}{m.group(2)}", p.message))
        elif f.startswith("deconfliction") and opt.deconfliction is not None:
            out.append(Problem(file, *where(("options", option, "deconfliction")),
                               f"options.{option}.{f}", p.message))
        else:
            out.append(_in_option(p, option))
    return sorted(set(out))


def _in_option(p: Problem, option: str) -> Problem:
    field = f"options.{option}" + (f" -> scenario {p.field}" if p.field else "")
    return Problem(p.file, p.line, p.col, field, p.message)


# ---------------------------------------------------------------------- overrides
def set_zone_depth(data: dict, depth_km: float) -> None:
    """Every member's max_depth_km, and the near-border zones its engagement zones use."""
    zones = data.get("zones", {})
    used: set[str] = set()

    def visit(name: str) -> None:
        if name in used or name not in zones:
            return
        used.add(name)
        z = zones[name]
        for child in ([z["of"]] if isinstance(z.get("of"), str) else z.get("of", []) or []):
            visit(child)

    for r in data.get("rules", {}).values():
        r["max_depth_km"] = depth_km
        for z in r.get("engagement_zones", []):
            visit(z)
    for name in used:
        z = zones[name]
        if z.get("kind") in ("near_country", "near_border") and z.get("inside", "UKR") == "UKR":
            z["within_km"] = depth_km


def _parse_path(dotted: str) -> list[str | int] | None:
    """``"coalition[0].squadrons[1].count"`` -> ``["coalition", 0, "squadrons", 1, "count"]``."""
    out: list[str | int] = []
    pos = 0
    for m in _PATH_EL.finditer(dotted):
        gap = dotted[pos:m.start()]
        if gap not in ("", "."):
            return None
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return out if out and pos == len(dotted) and not dotted.startswith(".") else None


def set_path(data: dict, dotted: str, value: Any) -> str | None:
    """Set scenario field `dotted` in plain scenario `data`; a message if it cannot exist."""
    path = _parse_path(dotted)
    if path is None:
        return f"{dotted!r} is not a dotted field path (e.g. rules.POL.max_depth_km or " \
               "coalition[0].squadrons[1].count)"
    tp: Any = Scenario
    node: Any = data
    for i, el in enumerate(path):
        here = _dotted(path[:i]) or "the scenario"
        nxt = _step(tp, el)
        if nxt is None:
            fields = _fields(tp)
            if fields is not None and isinstance(el, str):
                import difflib

                close = difflib.get_close_matches(el, fields, n=2, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                return f"{here} has no field {el!r}{hint} (fields: {', '.join(fields)})"
            return f"{here} cannot be indexed by {el!r}"
        last = i == len(path) - 1
        if isinstance(el, int):
            if not isinstance(node, list) or not 0 <= el < len(node):
                n = len(node) if isinstance(node, list) else 0
                return f"{here} has {n} entries in the base scenario: index {el} is out of range"
        elif not isinstance(node, dict):
            return f"{here} is not set in the base scenario, so {el!r} cannot be set inside it"
        if last:
            node[el] = copy.deepcopy(value)
        else:
            if isinstance(el, str) and node.get(el) is None:
                node[el] = [] if _is_list(nxt) else {}
            node = node[el]
        tp = nxt
    return None


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _step(tp: Any, el: str | int) -> Any:
    """The type one path element below `tp`, or None if there is no such field."""
    for m in _members(tp):
        origin = typing.get_origin(m)
        if isinstance(m, type) and issubclass(m, BaseModel) and isinstance(el, str):
            f = m.model_fields.get(el)
            if f is not None:
                return f.annotation
        elif origin in (list, tuple) and isinstance(el, int):
            return typing.get_args(m)[0]
        elif origin is dict and isinstance(el, str):
            return typing.get_args(m)[1]
    return None


def _fields(tp: Any) -> list[str] | None:
    names: list[str] = []
    for m in _members(tp):
        if isinstance(m, type) and issubclass(m, BaseModel):
            names += [n for n in m.model_fields if n not in names]
    return names or None


def _is_list(tp: Any) -> bool:
    return any(typing.get_origin(m) in (list, tuple) for m in _members(tp))


def _dotted(path: PathT | list[str | int]) -> str:
    out = ""
    for el in path:
        out += f"[{el}]" if isinstance(el, int) else (f".{el}" if out else str(el))
    return out
