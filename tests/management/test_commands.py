"""What the cut-level commands share: naming a cut that does not exist is a clear error."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "command",
    [
        ["export_checklist", "--format", "md"],
        ["import_comments", "--format", "csv", __file__],
        ["import_timeline", __file__],
    ],
)
def test_a_command_naming_a_missing_cut_says_which(command, cut):
    with pytest.raises(CommandError, match=r"There is no cut 9 of a video 'nn'\."):
        call_command(command[0], "--video", "nn", "--cut", "9", *command[1:])
    with pytest.raises(CommandError, match=r"There is no cut 1 of a video 'nope'\."):
        call_command(command[0], "--video", "nope", "--cut", "1", *command[1:])
