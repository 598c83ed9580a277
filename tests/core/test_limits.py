"""The limits checked before untrusted input is parsed: JSON nesting counted in linear time
whatever the chunking (strings with brackets, quotes and escapes included), and parsers run in
a child process that may crash, loop or eat memory without taking the caller with it."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errata.core.limits import (
    DepthCheckedStream,
    InputLimitExceeded,
    JsonDepthScanner,
    json_depth_check,
)
from errata.core.sandbox import Limits, SandboxFailure, SandboxLimit, run_limited

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9\n'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\k'), children, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_the_depth_counted_in_pieces_is_the_depth_of_the_document(value, cuts):
    data = json.dumps(value, ensure_ascii=False).encode()
    depth = _depth(value)
    for limit in (depth, depth - 1) if depth else (depth,):
        scanner = JsonDepthScanner(max_depth=limit)
        pieces, start = [], 0
        for cut in sorted(c % (len(data) + 1) for c in cuts):
            pieces.append(data[start:cut])
            start = cut
        pieces.append(data[start:])
        if limit >= depth:
            for piece in pieces:
                scanner.feed(piece)
            assert scanner.depth == 0
        else:
            with pytest.raises(InputLimitExceeded):
                for piece in pieces:
                    scanner.feed(piece)


def test_brackets_inside_strings_do_not_count():
    json_depth_check('{"a": "[[[[[[[[[[\\"[[[[", "b": ["]]]]"]}', max_depth=2)
    with pytest.raises(InputLimitExceeded) as refused:
        json_depth_check('{"a": [[["\\\\"]]]}', max_depth=3)
    assert refused.value.limit == "nesting depth"


def test_a_stream_is_checked_as_it_is_read():
    stream = DepthCheckedStream(io.BytesIO(b"[" * 100 + b"]" * 100), max_depth=64)
    assert stream.read(50) == b"[" * 50
    with pytest.raises(InputLimitExceeded):
        stream.read(50)


def test_a_million_brackets_are_refused_without_recursion():
    with pytest.raises(InputLimitExceeded):
        json_depth_check(b"[" * 1_000_000)


def test_the_sandbox_returns_what_the_function_returns():
    assert run_limited("json:loads", "[1, 2]") == [1, 2]


def test_a_refusal_in_the_sandbox_comes_back_with_its_message():
    with pytest.raises(SandboxFailure, match="Expecting value"):
        run_limited("json:loads", "[1,")


def test_a_child_that_eats_memory_is_stopped_at_the_limit():
    with pytest.raises(SandboxLimit) as stopped:
        run_limited("tests.core.hostile_children:eat_memory", "", limits=Limits(memory_bytes=2**28))
    assert stopped.value.limit == "memory"


def test_a_child_that_loops_is_stopped_at_the_cpu_limit():
    with pytest.raises(SandboxLimit) as stopped:
        run_limited(
            "tests.core.hostile_children:spin", "", limits=Limits(cpu_seconds=1, wall_seconds=10)
        )
    assert stopped.value.limit == "time"


def test_a_child_that_crashes_is_reported_as_a_crash():
    with pytest.raises(SandboxLimit) as stopped:
        run_limited("tests.core.hostile_children:segfault", "")
    assert stopped.value.limit == "crash"
