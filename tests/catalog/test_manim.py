"""Reading scene classes out of a manim source file, by parsing it and never running it."""

from __future__ import annotations

import textwrap

import pytest

from errata.catalog.manim import ManimSourceError, manim_scenes_read


def _scenes(source: str) -> list[tuple[str, int]]:
    scenes = manim_scenes_read(textwrap.dedent(source), filename="part1.py")
    return [(scene.name, scene.line) for scene in scenes]


def test_classes_deriving_from_scene_are_scenes_in_the_order_they_are_defined():
    assert _scenes(
        """\
        from manimlib import *

        class WriteAProgram(Scene):
            pass

        class Helper:
            pass

        class LayOutPlan(Scene):
            def construct(self):
                pass
        """
    ) == [("WriteAProgram", 3), ("LayOutPlan", 9)]


def test_inheritance_through_classes_of_the_file_counts():
    source = """\
        from manimlib import *

        class NetworkScene(Scene):
            pass

        class PreviewLearning(NetworkScene):
            pass

        class DeeperStill(PreviewLearning):
            pass

        class Mixin:
            pass

        class WithMixin(Mixin, DeeperStill):
            pass
        """
    assert [name for name, _ in _scenes(source)] == [
        "NetworkScene",
        "PreviewLearning",
        "DeeperStill",
        "WithMixin",
    ]


def test_inheritance_is_followed_even_when_the_base_is_defined_later_in_the_file():
    source = """\
        class Early(LaterBase):
            pass

        class LaterBase(ThreeDScene):
            pass
        """
    assert _scenes(source) == [("Early", 1), ("LaterBase", 4)]


@pytest.mark.parametrize(
    "base",
    [
        "Scene",
        "ThreeDScene",
        "MovingCameraScene",
        "InteractiveScene",
        "TeacherStudentsScene",
        "manim.Scene",
        "mn.ThreeDScene",
    ],
)
def test_every_library_scene_class_is_a_scene_base(base):
    assert _scenes(f"class Shown({base}):\n    pass\n") == [("Shown", 1)]


def test_classes_that_are_not_scenes_are_left_out():
    source = """\
        from manimlib import *

        class Neuron(Circle):
            pass

        class NetworkMobject(VGroup):
            pass

        class Config(dict):
            pass

        class Plain:
            class Inner(Scene):
                pass

        def build():
            class Local(Scene):
                pass
            return Local
        """
    assert _scenes(source) == []


def test_a_class_the_file_defines_is_judged_by_its_own_bases_not_by_its_name():
    source = """\
        class FakeScene(VGroup):
            pass

        class UsesFake(FakeScene):
            pass

        class Scene(manimlib.Scene):
            pass

        class Real(Scene):
            pass
        """
    assert [name for name, _ in _scenes(source)] == ["Scene", "Real"]


def test_a_cycle_of_bases_does_not_hang_and_yields_no_scene():
    source = """\
        class A(B):
            pass

        class B(A):
            pass
        """
    assert _scenes(source) == []


def test_classes_inside_module_level_if_and_try_blocks_are_read():
    source = """\
        try:
            class Tried(Scene):
                pass
        except ImportError:
            pass

        if True:
            class Conditional(Scene):
                pass
        """
    assert [name for name, _ in _scenes(source)] == ["Tried", "Conditional"]


def test_the_source_is_parsed_never_executed(tmp_path):
    marker = tmp_path / "ran"
    source = f"""\
        import pathlib
        pathlib.Path({str(marker)!r}).write_text("executed")
        raise SystemExit("this file must not run")

        class StillFound(Scene):
            pass
        """
    assert _scenes(source) == [("StillFound", 5)]
    assert not marker.exists()


def test_a_syntax_error_is_reported_with_its_line_not_raised_as_a_syntax_error():
    source = "from manimlib import *\n\nclass Broken(Scene:\n    pass\n"
    with pytest.raises(ManimSourceError) as error:
        manim_scenes_read(source, filename="part1.py")
    assert not isinstance(error.value, SyntaxError)
    assert error.value.line == 3
    assert str(error.value).startswith("line 3: part1.py is not valid Python")
    assert "class Broken(Scene:" in str(error.value)


def test_a_file_that_is_not_text_is_refused_clearly():
    with pytest.raises(ManimSourceError, match="null bytes"):
        manim_scenes_read("class A(Scene):\x00\n", filename="binary.py")


def test_the_bases_are_reported_by_name():
    (scene,) = manim_scenes_read(
        "class Both(Mixin, manimlib.InteractiveScene):\n    pass\n", filename="x.py"
    )
    assert scene.bases == ("Mixin", "InteractiveScene")
