"""Functions the sandbox tests run in the child process, each misbehaving in its own way."""

from __future__ import annotations

import ctypes


def eat_memory(text: str) -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def spin(text: str) -> None:
    while True:
        pass


def segfault(text: str) -> None:
    ctypes.string_at(0)
