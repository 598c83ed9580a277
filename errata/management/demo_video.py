"""The demo's video, made by ffmpeg: one title card per scene of the demo timeline (its name, its
number and a running timecode) at a low resolution, so that the demo plays offline and every
scene can be seen and grabbed.

The card of BreakUpMacroPatterns shows the seed's famous typo, "mabye", from 5:58 to 6:05 (where
three patrons reported it), so a frame grab (and, later, OCR) finds it; a corrected cut shows
"maybe" there instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from errata.catalog.timelines import TimelineEntry
from errata.media.ffmpeg import ffmpeg_binary, run_tool

# Bumped whenever the cards change, so a kept video is made again.
DEMO_VIDEO_VERSION = 1
WIDTH, HEIGHT = 426, 240
# The cards are drawn once a second (their timecode changes no faster) and each drawing is
# repeated to 30 fps, the demo cut's frame rate, which the probe reads back from the file: still
# frames cost almost nothing to encode or to store.
DRAW_FPS = 1
FPS = 30
# Card colours, in turn: neighbouring scenes never share one, so each scene change is a cut.
PALETTE = ["0x1f3a5f", "0x5f1f3a", "0x2f5f1f", "0x5f4a1f", "0x3a1f5f", "0x1f5f58", "0x5f2a1f"]
TYPO_SCENE = "BreakUpMacroPatterns"
TYPO_FROM_S, TYPO_TO_S = 358.0, 365.0
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
)


@dataclass(frozen=True)
class DemoCard:
    name: str
    start_s: float
    end_s: float


def _font() -> str:
    """A font for drawtext: DejaVu where installed, else fontconfig's default sans."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return f"fontfile={_escape(candidate)}"
    return "font=Sans"


def _escape(text: str) -> str:
    """A value inside an ffmpeg filter graph: backslash, colon, quote and comma escaped."""
    for char in ("\\", ":", "'", ",", "%", "[", "]", ";"):
        text = text.replace(char, "\\" + char)
    return text


def demo_filter(cards: Sequence[DemoCard], *, typo_word: str) -> str:
    font = _font()
    total = len(cards)
    filters = []
    for number, card in enumerate(cards, start=1):
        # `between` is inclusive at both ends; the next card takes over at its start.
        when = f"enable='gte(t,{card.start_s:g})*lt(t,{card.end_s:g})'"
        colour = PALETTE[(number - 1) % len(PALETTE)]
        filters.append(f"drawbox=x=0:y=0:w=iw:h=ih:color={colour}:t=fill:{when}")
        filters.append(
            f"drawtext={font}:text='{_escape(card.name)}':fontcolor=white:fontsize=24:"
            f"x=(w-text_w)/2:y=h/2-40:{when}"
        )
        filters.append(
            f"drawtext={font}:text='Scene {number} of {total}':fontcolor=0xdddddd:fontsize=14:"
            f"x=(w-text_w)/2:y=h/2-8:{when}"
        )
        if card.name == TYPO_SCENE and typo_word:
            start = max(card.start_s, TYPO_FROM_S)
            end = min(card.end_s, TYPO_TO_S)
            filters.append(
                f"drawtext={font}:text='The network {_escape(typo_word)} learns':"
                f"fontcolor=yellow:fontsize=20:x=(w-text_w)/2:y=h/2+30:"
                f"enable='gte(t,{start:g})*lt(t,{end:g})'"
            )
    filters.append(
        f"drawtext={font}:text='%{{pts\\:hms}}':fontcolor=white:fontsize=16:x=w-text_w-8:"
        "y=h-text_h-8:box=1:boxcolor=black@0.5"
    )
    return ",".join(filters)


def demo_video_make(
    target: Path, *, cards: Sequence[DemoCard], duration_s: float, typo_word: str = "mabye"
) -> Path:
    """Write the demo's cards to `target` as a small H.264 MP4 (a few MB for 19 minutes)."""
    return _cards_render(
        target,
        demo_filter(cards, typo_word=typo_word),
        # One drawing more than needed, so the 30 fps output runs the full duration.
        source=f"color=c=black:s={WIDTH}x{HEIGHT}:r={DRAW_FPS}:d={duration_s + 1:g}",
        output=[
            "-r",
            str(FPS),
            "-frames:v",
            str(round(duration_s * FPS)),
            "-tune",
            "stillimage",
            "-g",
            str(FPS * 2),
            "-movflags",
            "+faststart",
        ],
        what="Making the demo video",
    )


def _cards_render(target: Path, graph: str, *, source: str, output: list[str], what: str) -> Path:
    """Draw `graph` over the lavfi `source` into an H.264 MP4 at `target` (the filter goes
    through a script file: the demo's graph is longer than a command line may be)."""
    script = target.with_suffix(".filter")
    script.write_text(graph, encoding="utf-8")
    try:
        run_tool(
            [
                ffmpeg_binary(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                source,
                "-filter_script:v",
                str(script),
                *output,
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "30",
                "-pix_fmt",
                "yuv420p",
                str(target),
            ],
            what=what,
        )
    finally:
        script.unlink(missing_ok=True)
    return target


def demo_cards(entries: Sequence[TimelineEntry]) -> list[DemoCard]:
    return [DemoCard(e.scene_name, e.start_s, e.end_s) for e in entries]


@dataclass(frozen=True)
class CardLine:
    """A line of text drawn over the cards from start_s to end_s, in the demo's style (the
    typo line's: yellow, 20 px, centred below the scene's name, unless placed otherwise)."""

    text: str
    start_s: float
    end_s: float
    fontsize: int = 20
    # Offset of the line's top from the frame's middle, in pixels.
    dy: int = 30


def text_cards_make(
    target: Path,
    *,
    cards: Sequence[DemoCard],
    lines: Sequence[CardLine],
    duration_s: float,
    fps: int = 10,
) -> Path:
    """A short cut made of demo-style title cards with extra lines of text (a misspelling, or
    its correction) at known times: the test and benchmark videos of frame checks."""
    graph = demo_filter(cards, typo_word="")
    font = _font()
    extra = [
        f"drawtext={font}:text='{_escape(line.text)}':fontcolor=yellow:"
        f"fontsize={line.fontsize}:x=(w-text_w)/2:y=h/2+{line.dy}:"
        f"enable='gte(t,{line.start_s:g})*lt(t,{line.end_s:g})'"
        for line in lines
    ]
    graph = ",".join([graph, *extra]) if extra else graph
    return _cards_render(
        target,
        graph,
        source=f"color=c=black:s={WIDTH}x{HEIGHT}:r={fps}:d={duration_s:g}",
        output=[],
        what="Making a text-card video",
    )
