"""The scene classes a manim source file defines, and the lines they are on (read with `ast`,
never imported or run).

The file is untrusted: CPython's parser needs memory without bound on a crafted expression
(200,000 unary minus signs exhaust its stack; a few MB of nested brackets take a GB), so the
parse runs in a child process with memory and time limits (errata.core.sandbox).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from errata.core.sandbox import SandboxFailure, SandboxLimit, run_limited

# The largest source file read: 3b1b's longest scene files are a few hundred KB.
MANIM_SOURCE_MAX_CHARS = 2 * 1024 * 1024


class ManimSourceError(ValueError):
    """A manim source file that cannot be parsed; `line` is 1-based when known. The message is
    meant for the creator (the page or the command shows it), not a traceback."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class ManimScene:
    """A class of a manim source file that renders on its own: its name, the line of its
    `class` statement and the base classes it names."""

    name: str
    line: int
    bases: tuple[str, ...]


def _is_library_scene_base(name: str) -> bool:
    # manim and manimgl name every scene base class "...Scene" (Scene, ThreeDScene,
    # MovingCameraScene, InteractiveScene, TeacherStudentsScene...). A base not defined in the
    # file is judged by that name alone: the file is parsed, never imported or run.
    return name.endswith("Scene")


def _base_name(node: ast.expr) -> str | None:
    """`Scene`, `manim.Scene` and `Generic[T]`-style bases, by their last name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _base_name(node.value)
    return None


def _module_classes(body: list[ast.stmt]) -> list[ast.ClassDef]:
    """Classes defined at module level, including inside module-level `if` / `try` blocks
    (`if TYPE_CHECKING:`, optional imports); classes nested in functions or classes are not
    scenes manim can render by name."""
    found: list[ast.ClassDef] = []
    for node in body:
        if isinstance(node, ast.ClassDef):
            found.append(node)
        elif isinstance(node, ast.If):
            found += _module_classes(node.body) + _module_classes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found += _module_classes(block)
            for handler in node.handlers:
                found += _module_classes(handler.body)
    return found


def manim_scenes_read(text: str, *, filename: str) -> list[ManimScene]:
    """The scene classes of a manim source file, in the order they are defined (see
    manim_scenes_parse), parsed in a child process with memory and time limits."""
    if len(text) > MANIM_SOURCE_MAX_CHARS:
        raise ManimSourceError(
            f"{filename} has {len(text):,} characters; at most {MANIM_SOURCE_MAX_CHARS:,} are "
            "read (limit: file size)."
        )
    try:
        found = run_limited("errata.catalog.manim:scenes_in_child", text, filename=filename)
    except SandboxFailure as failure:
        raise ManimSourceError(failure.message, line=failure.line) from None
    except SandboxLimit as limit:
        raise ManimSourceError(
            f"{filename} could not be parsed: {limit} (limit: {limit.limit})"
        ) from None
    return [ManimScene(name=name, line=line, bases=tuple(bases)) for name, line, bases in found]


def scenes_in_child(text: str, *, filename: str) -> list[list]:
    """In the sandbox's child process: the scenes, as JSON-able lists."""
    return [[s.name, s.line, list(s.bases)] for s in manim_scenes_parse(text, filename=filename)]


def manim_scenes_parse(text: str, *, filename: str) -> list[ManimScene]:
    """The scene classes of a manim source file, in the order they are defined.

    A class is a scene when it derives from a library scene class (a base named "...Scene" that
    the file does not define), directly or through other classes of the file. The text is
    parsed with `ast`, never executed. A syntax error becomes a ManimSourceError naming the
    line, so the page and the command can say what is wrong instead of failing.
    """
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as error:
        detail = (error.text or "").strip()
        where = f" in {detail[:80]!r}" if detail else ""
        raise ManimSourceError(
            f"{filename} is not valid Python: {error.msg}{where}", line=error.lineno
        ) from None
    except ValueError as error:  # null bytes and other unreadable input
        raise ManimSourceError(f"{filename} is not Python source: {error}") from None
    except RecursionError:
        raise ManimSourceError(f"{filename} is nested too deeply to parse") from None

    classes: dict[str, ast.ClassDef] = {}
    for node in _module_classes(tree.body):
        # Python keeps the last definition of a name; so do we.
        classes[node.name] = node
    bases = {
        name: tuple(b for b in (_base_name(base) for base in node.bases) if b)
        for name, node in classes.items()
    }

    verdicts: dict[str, bool] = {}

    def is_scene(name: str, visiting: frozenset[str]) -> bool:
        if name in verdicts:
            return verdicts[name]
        if name not in classes:
            return _is_library_scene_base(name)
        if name in visiting:  # a cycle of in-file bases: Python itself would refuse it
            return False
        verdict = any(
            # `class Scene(manim.Scene)` names the library class it shadows.
            _is_library_scene_base(base) if base == name else is_scene(base, visiting | {name})
            for base in bases[name]
        )
        verdicts[name] = verdict
        return verdict

    scenes = [
        ManimScene(name=name, line=node.lineno, bases=bases[name])
        for name, node in classes.items()
        if is_scene(name, frozenset())
    ]
    return sorted(scenes, key=lambda scene: scene.line)
