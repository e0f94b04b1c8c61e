"""CLI names map to constructors in one registry; unknown names are refused when built."""

from __future__ import annotations

import pytest

from skyshield.decide.assign import Assigner
from skyshield.picture.base import Picture
from skyshield.picture.perfect import PerfectPicture
from skyshield.picture.tracker import Tracker
from skyshield.sim.engine import EngineConfig
from skyshield.sim.registry import PICTURES, build_assigner, build_picture


def test_unknown_names_are_refused_when_the_config_is_built():
    with pytest.raises(ValueError, match=r"unknown picture 'radar'.*\['perfect', 'tracked'\]"):
        EngineConfig(picture="radar")
    with pytest.raises(ValueError, match=r"unknown assign 'hungarian'.*\['greedy'\]"):
        EngineConfig(assign="hungarian")
    with pytest.raises(ValueError, match="decide_period_s must be a positive"):
        EngineConfig(decide_period_s=0)


def test_registry_builds_components_that_implement_the_protocols(western_night):
    kinds = {}
    for name in PICTURES:
        feed, pic = build_picture(name, western_night)
        assert isinstance(pic, Picture)
        kinds[name] = (type(pic), feed.measured)
    assert kinds == {"perfect": (PerfectPicture, False), "tracked": (Tracker, True)}
    assert isinstance(build_assigner("greedy"), Assigner)
