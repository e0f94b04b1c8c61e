"""The JSON the server sends, as pydantic models: documentation for the OpenAPI schema.

Responses are built as plain JSON for speed (a 2,000-track picture is pushed to every
client many times a second); these models describe them at ``/docs`` and
``/openapi.json``. Units: degrees and metres, m/s, seconds of the exercise clock.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["AssessmentOut", "CheckpointOut", "EngagementOut", "PictureOut"]


class TracksOut(BaseModel):
    """The tracks of the picture, as columns (one entry per track)."""

    number: list[int] = Field(description="track number, never reused")
    lat: list[float] = Field(description="latitude [deg]")
    lon: list[float] = Field(description="longitude [deg]")
    alt: list[float] = Field(description="altitude [m]")
    vx: list[float] = Field(description="velocity east in the theatre frame [m/s]")
    vy: list[float] = Field(description="velocity north in the theatre frame [m/s]")
    x_km: list[float] = Field(description="theatre frame x (east) [km]")
    y_km: list[float] = Field(description="theatre frame y (north) [km]")
    cls: list[int] = Field(description="class index: drone, decoy, cruise_missile, ballistic, "
                           "aircraft, unknown")
    cls_conf: list[float] = Field(description="class confidence 0..1")
    sigma_m: list[float] = Field(description="horizontal position uncertainty (1 sigma) [m]")


class AssessmentOut(BaseModel):
    """Where each track is heading, when, and how likely it enters NATO airspace."""

    t: float = Field(description="time of the assessment [s]")
    number: list[int]
    p_nato: list[float] = Field(description="probability of NATO airspace within the horizon")
    country: list[str] = Field(description="country the track is over now (ISO3)")
    next_country: list[str] = Field(description="next country on its path (ISO3, '' none)")
    t_next_country_s: list[float | None] = Field(description="time to enter it [s]")
    heading_for: list[str] = Field(description="likeliest place ahead ('' none)")
    value: list[float] = Field(description="threat value (what engaging it is worth)")


class AircraftOut(BaseModel):
    """Coalition aircraft, as columns."""

    id: list[int]
    nation: list[str]
    state: list[int] = Field(description="0 ready, 1 alert, 2 scramble, 3 transit, 4 patrol, "
                             "5 intercept, 6 returning, 7 turnaround")
    lat: list[float]
    lon: list[float]
    alt: list[float]
    label: list[str]


class PictureOut(BaseModel):
    """A picture message (also pushed over /ws/live with type 'picture')."""

    seq: int | None = Field(default=None, description="message number (pushed messages)")
    type: str = "picture"
    t: float = Field(description="exercise clock of the picture [s]")
    utc: float = Field(description="server wall time [UNIX s]")
    batches: list[str] = Field(description="plot batches (their `source`) first seen here")
    tracks: TracksOut
    assessment: AssessmentOut | None
    aircraft: AircraftOut | None = None


class EngagementOut(BaseModel):
    """An engagement proposed by the decision core (also pushed: 'proposal', 'decision')."""

    id: int
    nation: str = Field(description="the aircraft's nation: only its operators decide")
    aircraft: int
    track: int
    weapon: str
    t_asked: float
    deadline: float = Field(description="expires at (the scenario's approval window) [s]")
    state: str = Field(description="pending, approved, denied, expired or withdrawn (the "
                       "decision core ended the engagement before any verdict)")
    decided_by: str | None
    t_decided: float | None
    audit_seq: int | None = Field(description="its latest audit entry")
    why: str | None = Field(default=None, description="withdrawn: why the core withdrew it")
    explanation: dict = Field(description="what the operator is shown: track assessment "
                              "lines, the rule that allows it, other failing rules, aircraft")
    actionable: bool | None = Field(default=None, description="you may decide it now")


class CheckpointOut(BaseModel):
    """A signed checkpoint of the audit log."""

    origin: str
    size: int
    root: str = Field(description="base64 RFC 6962 root of the first `size` entries")
    sig: str = Field(description="base64 Ed25519 signature of 'skyshield audit log "
                     "<origin>\\n<size>\\n<root>\\n'")
