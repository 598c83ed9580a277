"""Running a parser of untrusted files in a child process with resource limits.

Some parsers of uploaded files are native code (OpenTimelineIO's JSON reader is C++) or can
take memory and time without bound on crafted input (CPython's own parser on a 5 MB expression).
In the web worker, a crash kills the request and the worker with it; a hang holds the worker
until gunicorn kills it. So they run here: a fresh interpreter (no Django, no database
connection, nothing inherited to corrupt) with a memory ceiling, a CPU-time ceiling and a wall
clock, reading the file on stdin and writing a JSON answer on stdout. A child that dies or runs
out of a limit becomes SandboxLimit, which names the limit.

The function run is named by its dotted path (`errata.catalog.timelines:entries_in_child`); it
takes the text and keyword arguments and returns JSON-able data. A ValueError it raises comes
back as SandboxFailure with its message and `line` (its refusal of the file, not a crash).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass

# Generous for a real file (a 5 MB OpenTimelineIO file reads in well under a second and a
# few hundred MB), tight enough that hostile input cannot starve the machine.
DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024
DEFAULT_CPU_SECONDS = 20
DEFAULT_WALL_SECONDS = 30.0


class SandboxLimit(Exception):
    """The child went past a limit or died; `limit` names which ("memory", "time", "crash")."""

    def __init__(self, message: str, *, limit: str) -> None:
        self.limit = limit
        super().__init__(message)


@dataclass
class SandboxFailure(Exception):
    """The function refused its input (it raised ValueError): the message and line it gave."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    cpu_seconds: int = DEFAULT_CPU_SECONDS
    wall_seconds: float = DEFAULT_WALL_SECONDS


def _apply_limits(*, memory_bytes: int, cpu_seconds: int) -> None:
    """In the child, before it imports or runs the parser: address space, CPU seconds, no
    core file. (Set by the child itself rather than in a preexec_fn, which is unsafe in a
    threaded web worker.)"""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_limited(function: str, text: str, *, limits: Limits | None = None, **kwargs) -> object:
    """Run `function(text, **kwargs)` in a child process under `limits`; its return value."""
    limits = limits or Limits()
    request = json.dumps(
        {
            "function": function,
            "kwargs": kwargs,
            "text": text,
            "memory_bytes": limits.memory_bytes,
            "cpu_seconds": limits.cpu_seconds,
        }
    )
    try:
        # -E -s: no PYTHON* variables, no user site; run from the directory that holds the
        # errata package, so the child runs this same code.
        completed = subprocess.run(
            [sys.executable, "-E", "-s", "-m", "errata.core.sandbox"],
            input=request.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=limits.wall_seconds,
            cwd=_PACKAGE_ROOT,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SandboxLimit(
            f"reading it took longer than {limits.wall_seconds:g} seconds", limit="time"
        ) from None
    if completed.returncode != 0:
        raise _limit_from_exit(completed.returncode, completed.stderr, limits)
    # The answer is the last line: anything the parser printed comes before it.
    answer = json.loads(completed.stdout.rstrip().rsplit(b"\n", 1)[-1])
    if "error" in answer:
        raise SandboxFailure(answer["error"], answer.get("line"))
    return answer["result"]


_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _limit_from_exit(code: int, stderr: bytes, limits: Limits) -> SandboxLimit:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return SandboxLimit(
            f"reading it took more than {limits.cpu_seconds} seconds of CPU time", limit="time"
        )
    if b"MemoryError" in stderr or code == _MEMORY_EXIT:
        return SandboxLimit(
            f"reading it ran out of memory (at most {limits.memory_bytes // 2**20} MB) or of "
            "the parser's stack",
            limit="memory",
        )
    if code == _DEPTH_EXIT:
        return SandboxLimit("it is nested too deeply to read", limit="nesting depth")
    return SandboxLimit("the reader crashed on this file", limit="crash")


# The child's exit codes when it ran out of memory or of stack (errors it could still report).
_MEMORY_EXIT = 3
_DEPTH_EXIT = 4


def _child() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    _apply_limits(memory_bytes=request["memory_bytes"], cpu_seconds=request["cpu_seconds"])
    module_name, _, name = request["function"].partition(":")
    function = getattr(importlib.import_module(module_name), name)
    try:
        result = function(request["text"], **request["kwargs"])
        answer: dict = {"result": result}
    except MemoryError:
        sys.exit(_MEMORY_EXIT)
    except RecursionError:
        sys.exit(_DEPTH_EXIT)
    except ValueError as error:
        # The parser's own refusal: its message without the "line N: " it adds, and the line.
        answer = {
            "error": getattr(error, "message", str(error)),
            "line": getattr(error, "line", None),
        }
    sys.stdout.write("\n" + json.dumps(answer) + "\n")


if __name__ == "__main__":
    _child()
