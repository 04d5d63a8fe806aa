"""The eligible-share estimates that size first searches: shares in [0, 1], zero where nothing fits."""

from __future__ import annotations

import numpy as np
from tiny import GEOGRAPHY, NOW, SATURDAY, opportunity, session, student

from matchmaking.engine.estimates import backward_rates, forward_rates
from matchmaking.engine.filters import Compiled
from matchmaking.engine.types import KINDS


def test_shares_are_between_zero_and_one_and_follow_availability_and_kinds() -> None:
    people = [student("free"), student("busy", availability=()), student("picky", allowed_kinds=("visit",))]
    opps = [opportunity(f"o{i}", sessions=(session(f"x{i}", SATURDAY, 8, 10),)) for i in range(4)]
    compiled = Compiled.build(people, opps, NOW, GEOGRAPHY, list(KINDS))
    forward = forward_rates(compiled, np.arange(3), np.arange(4))
    backward = backward_rates(compiled, np.arange(4), np.arange(3))
    assert forward.tolist() == [1.0, 0.0, 0.0]  # everything / never free / no workshops wanted
    # two of three allow workshops, two of three are free then: taken as independent, 4/9
    assert np.all((backward >= 0) & (backward <= 1)) and abs(backward[0] - 4 / 9) < 1e-12
