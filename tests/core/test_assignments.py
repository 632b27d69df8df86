"""Handing out images: same order for everyone, round-robin by fewest holders, or free choice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.assignments import MODES, next_image

POOL = [11, 12, 13, 14]


def test_same_mode_walks_the_images_in_the_workshop_order():
    assert next_image("same", POOL, finished=set(), current=None).image_id == 11
    assert next_image("same", POOL, finished={11}, current=11).image_id == 12
    assert next_image("same", POOL, finished={11, 12}, current=12).image_id == 13


def test_same_mode_skips_finished_images_and_wraps_round():
    assert next_image("same", POOL, finished={12, 13}, current=14).image_id == 11
    assert next_image("same", POOL, finished={11, 13}, current=None).image_id == 12


def test_nothing_is_left_when_every_image_is_finished():
    chosen = next_image("same", POOL, finished=set(POOL), current=14)
    assert chosen.image_id is None and chosen.remaining == 0


def test_the_current_image_is_not_handed_out_again_but_counts_as_remaining():
    chosen = next_image("free", POOL, finished={11, 12, 13}, current=14)
    assert chosen.image_id is None and chosen.remaining == 1


def test_round_robin_hands_out_the_image_fewest_people_have_had():
    holders = {11: 2, 12: 1, 13: 1, 14: 3}
    assert next_image("round_robin", POOL, set(), None, holders).image_id == 12


def test_round_robin_gives_back_an_unfinished_image_before_a_new_one():
    holders = {11: 0, 12: 5}
    assert next_image("round_robin", POOL, set(), None, holders, assigned=[12]).image_id == 12


def test_round_robin_spreads_a_room_evenly_over_the_images():
    holders: dict[int, int] = {}
    for _ in range(10):  # ten people each ask for their first image
        chosen = next_image("round_robin", POOL, set(), None, holders).image_id
        holders[chosen] = holders.get(chosen, 0) + 1
    assert sorted(holders.values()) == [2, 2, 3, 3]


def test_free_mode_moves_on_to_the_next_image_in_order():
    assert next_image("free", POOL, set(), current=13).image_id == 14
    assert next_image("free", POOL, set(), current=14).image_id == 11


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown assignment mode"):
        next_image("lottery", POOL, set(), None)


@given(mode=st.sampled_from(MODES), finished=st.sets(st.sampled_from(POOL)),
       current=st.one_of(st.none(), st.sampled_from(POOL)),
       holders=st.dictionaries(st.sampled_from(POOL), st.integers(0, 9)))
def test_the_next_image_is_always_an_unfinished_workshop_image_other_than_the_current(mode, finished, current,
                                                                                      holders):
    chosen = next_image(mode, POOL, finished, current, holders)
    assert chosen.remaining == len(set(POOL) - finished)
    if chosen.image_id is None:
        assert set(POOL) - finished <= {current}
    else:
        assert chosen.image_id in POOL and chosen.image_id not in finished and chosen.image_id != current
