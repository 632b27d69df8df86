"""The domain's input types (annotator/core/schemas): rules stated once, checked without an app."""

from __future__ import annotations

from annotator.core.schemas import annotations
from annotator.store import flags


def test_the_saves_flag_part_states_the_flags_own_rules():
    # Restated in the schema until flags has a pure module to import them from: they must not drift apart.
    assert annotations.FLAG_KINDS == flags.KINDS
    assert annotations.MAX_FLAG_REASON == flags.MAX_REASON
