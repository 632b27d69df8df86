"""The domain's input types (annotator/core/schemas): rules stated once, checked without an app."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from annotator.core.schemas import annotations, flags


def test_a_save_carries_the_flags_own_flag_model():
    # One definition of a flag's kinds and limits: the save's `flag` is the flags feature's model, not a copy.
    save = annotations.AnnotationCreate.model_validate(
        {"client_id": "outline-1", "parts": [{"points": [0, 0, 10, 0, 10, 10]}],
         "flag": {"kind": "none_fits", "reason": "a tram", "proposal_id": 3}})
    assert isinstance(save.flag, flags.Flag)
    assert save.flag.proposal_given
    with pytest.raises(ValidationError):
        annotations.AnnotationCreate.model_validate(
            {"client_id": "outline-1", "parts": [{"points": [0, 0, 10, 0, 10, 10]}],
             "flag": {"kind": "no-such-kind"}})
