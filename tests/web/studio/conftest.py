"""Fixtures every studio page test uses: the creator signed in, and the demo-like scenes."""

from __future__ import annotations

import pytest

from tests.studio_scenario import scenes_on


@pytest.fixture
def signed_in(client, creator):
    client.force_login(creator)
    return client


@pytest.fixture
def scenes(cut):
    return scenes_on(cut)
