"""Suggesting a category for one finding from its text.

The evidence is general, not keyed to any one video: weighted cue words and phrases per
category, whether a problem is being reported at all ("should be", "wrong", "I noticed"),
whether a change is being suggested or a question asked, speech cues ("you say"), quoted
strings (a misspelled word and its fix, a misspoken phrase), and code- or math-looking
tokens. Topic cues ("matrix", "loop", "red") only count for much when the text reports a
problem or asks for a change: "great visualizations" is praise, not a visual erratum.

Everything runs on one lower-cased token pass plus a few precompiled patterns, so a finding
is classified in tens of microseconds.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

__all__ = [
    "CATEGORIES",
    "ERRATUM_CATEGORIES",
    "CategorySuggestion",
    "Evidence",
    "correction_pairs",
    "gather_evidence",
    "is_chatter",
    "quoted_strings",
    "rule_scores",
    "suggest_category",
]

CATEGORIES = ("typo", "notation", "narration", "color", "visual", "code", "content", "none")
ERRATUM_CATEGORIES = ("typo", "notation", "narration", "color", "visual", "code")


@dataclass(frozen=True)
class CategorySuggestion:
    category: str
    confidence: float


# Cue tables. Each entry is "phrase: weight"; a trailing "*" on a word stands for its usual
# inflections (misspell* -> misspelled, misspelling, misspells...). Phrases are matched on
# word tokens, so punctuation and case do not matter.
#
# "intrinsic" cues name a problem of that kind by themselves ("typo", "glitch", "misspoke").
# "topic" cues only say what the text is about ("matrix", "loop", "red"); they are scaled up
# by problem and suggestion evidence and count for little on their own.
_INTRINSIC: dict[str, str] = {
    "typo": """
        typo*: 3.0, misspell*: 3.0, mis spell*: 3.0, mispell*: 3.0, spelling: 2.5, spelt: 1.5,
        spelled: 1.2, spelled wrong: 1.5, spelled incorrectly: 1.5, misprint*: 2.5,
        grammar: 1.5, grammatical: 1.5, grammatically: 1.2, capitalization: 1.2,
        capitalisation: 1.2, capitalized: 0.8, punctuation: 1.0, apostrophe: 1.2,
        missing letter: 1.5, extra letter: 1.5, duplicated word: 1.5, repeated word: 1.5,
        word twice: 1.5, spell check: 1.5, spellcheck: 1.5, plural: 0.6, singular: 0.4,
        letters swapped: 1.5, letters are swapped: 1.5, double the: 1.2
    """,
    "notation": """
        notation: 2.5, subscript*: 2.0, superscript*: 2.0, index*: 1.4, indices: 1.5,
        sign error: 2.5, wrong sign: 2.2, sign is flipped: 2.2, sign flipped: 2.0,
        minus sign: 1.5, plus sign: 1.2, missing a factor: 2.0, factor of: 1.2, exponent*: 1.5,
        transpose*: 1.5, latex: 1.5, typeset*: 1.2, off by one: 1.0, units: 0.8,
        dimension*: 1.0, dimensional: 0.8, should be squared: 1.5, parenthes*: 0.9,
        bracket*: 0.6, summation: 1.2, equal sign: 1.2, equals sign: 1.2,
        swapped the indices: 2.0, upper bound: 0.8, lower bound: 0.8,
        limits of integration: 1.5
    """,
    "narration": """
        misspoke: 3.0, misspoken: 3.0, mispronunciation*: 2.5, audio glitch*: 3.0,
        sound glitch*: 3.0, audio cuts: 2.5, audio cut*: 2.5, audio skip*: 2.5,
        audio drop*: 2.5, audio issue*: 2.5, audio is: 1.5, audio sync: 2.0,
        click in the audio: 3.0, pop in the audio: 3.0, lip sync: 1.5,
        cuts off mid sentence: 2.5, misspeak*: 3.0, mispronounc*: 2.5, pronunciation: 2.0,
        pronounc*: 1.6, slip of the tongue: 3.0, re record*: 2.5, rerecord*: 2.5,
        voiceover: 2.0, voice over: 2.0, narration: 2.0, narrator: 1.5, audio: 1.5, mic: 1.0,
        microphone: 1.0, volume: 0.8, background noise: 1.5, echo: 0.8, mumbl*: 1.5,
        stutter*: 1.0, you say: 1.2, you said: 1.4, you says: 1.0, you re saying: 1.0,
        you mention*: 0.5, you call*: 0.8, you misspoke: 1.0, you meant to say: 1.5,
        meant to say: 1.5, i heard: 1.0, sounds like you: 1.2, the voice: 1.0, spoken: 1.2,
        verbal*: 1.0, slip: 0.6, sentence: 0.4, said: 0.6, out loud: 0.8, read out: 0.8,
        you read: 0.5, that line: 0.8, the line: 0.3
    """,
    "color": """
        color blind*: 3.0, colour blind*: 3.0, colorblind*: 3.0, colourblind*: 3.0,
        deuteranop*: 3.0, protanop*: 3.0, tritanop*: 3.0, contrast: 1.8, palette: 2.0,
        hue*: 1.5, saturat*: 1.2, shading: 1.5, shade*: 1.0, tint*: 1.0, grayscale: 1.2,
        greyscale: 1.2, brightness: 1.0, washed out: 1.5, hard to distinguish: 1.5,
        indistinguishable: 1.2, same color: 1.5, same colour: 1.5, color coding: 1.5,
        colour coding: 1.5, color coded: 1.2, colour coded: 1.2, too dark: 1.0, too bright: 1.0,
        hard to tell apart: 1.5, different colors: 2.0, different colours: 2.0,
        different color: 1.5, different colour: 1.5, brighter color: 1.5, darker color: 1.5,
        lighter color: 1.5, color scheme: 2.0, colour scheme: 2.0, colormap: 2.0,
        colourmap: 2.0, color map: 2.0, colour map: 2.0
    """,
    "visual": """
        glitch*: 2.5, artifact*: 2.5, artefact*: 2.5, flicker*: 2.5, overlap*: 2.0,
        misalign*: 2.5, alignment: 1.5, aligned: 1.0, cut off: 1.8, cropped: 1.5, clipped: 1.2,
        clipping: 0.8, off screen: 1.5, offscreen: 1.5, out of frame: 1.8, pixelated: 2.0,
        blurry: 1.8, blurred: 1.2, aliasing: 1.5, jagged: 1.2, jitter*: 2.0, layout: 2.0,
        placement: 1.5, spacing: 1.5, font*: 1.5, too small: 1.2, too big: 1.0, too large: 1.0,
        hard to read: 1.0, hard to see: 1.0, obscur*: 1.5, covers: 1.2, covered: 1.0,
        covering: 1.2, looks odd: 1.5, looks weird: 1.5, looks off: 1.5, looks strange: 1.5,
        looks wrong: 1.2, look odd: 1.5, look weird: 1.5, looks a bit off: 1.5, distorted: 1.5,
        stretched: 1.0, frozen: 1.2, freezes: 1.2, black screen: 1.5, blank frame: 1.5,
        disappear*: 1.0, vanish*: 1.0, leftover: 1.0, ghost*: 0.8, on top of: 0.8,
        in front of: 0.6, z order: 1.5, watermark: 1.5, pops in: 1.2, pops up: 0.5, jumps: 0.8,
        jerky: 1.5, choppy: 1.5, stutters: 1.0, dropped frame*: 2.0, not centered: 1.5,
        off center: 1.5, off centre: 1.5, sticks out: 1.0, rendering: 1.0, rendered: 0.8,
        render*: 0.8, out of sync: 1.0, out of place: 1.2, lingers: 1.0, remains on screen: 1.2,
        stays on screen: 1.2, fades: 0.6, fade: 0.5, passes through: 1.5, goes through: 1.0,
        clips through: 2.0, clipping through: 2.0, intersect*: 0.8, a few frames: 1.2,
        for a frame: 1.5, black frame*: 2.0, blank screen: 1.5, empty frame*: 1.5,
        hangs off: 1.2, aspect ratio: 1.5, too short: 0.8, too thin: 1.0, too thick: 1.0,
        too narrow: 1.0, squashed: 1.2, off the edge: 1.5, runs off: 1.2, z fighting: 2.0,
        tearing: 1.5, jarring: 1.0, abrupt*: 0.8, snaps: 0.8, slightly rotated: 1.2,
        rotated: 0.6, tilted: 1.2, skewed: 1.2, crooked: 1.2, really tiny: 1.2, very tiny: 1.2,
        too tiny: 1.2, so tiny: 1.0
    """,
    "code": """
        bug*: 2.0, buggy: 2.0, syntax: 2.0, indentation: 2.0, indent*: 1.6, compil*: 1.2,
        exception: 1.2, traceback: 2.0, off-by-one: 1.5, infinite loop: 2.0, segfault: 2.0,
        runtime error: 2.0, typeerror: 2.5, indexerror: 2.5, valueerror: 2.5, nameerror: 2.5,
        keyerror: 2.5, attributeerror: 2.5, syntaxerror: 2.5, zerodivisionerror: 2.5,
        referenceerror: 2.5, nullpointerexception: 2.5, list comprehension: 2.0, won't run: 1.5,
        wouldn't run: 1.5, doesn't run: 1.5, wouldn't compile: 2.0, doesn't compile: 2.0,
        won't compile: 2.0, crash*: 1.0
    """,
}

_TOPIC: dict[str, str] = {
    "typo": """
        title*: 0.7, caption*: 0.5, label*: 0.5, text: 0.8, on screen: 0.7, onscreen: 0.7,
        written: 0.8, writes: 0.4, reads: 0.5, it says: 0.7, slide says: 0.8, word*: 0.6,
        heading*: 0.7, subtitle*: 0.5, slide*: 0.4, letter*: 0.6, spell*: 1.0, character*: 0.2
    """,
    "notation": """
        matrix: 1.0, matrices: 1.0, vector*: 0.7, row*: 0.6, column*: 0.6, entry: 0.5,
        entries: 0.6, element*: 0.4, term*: 0.4, limit*: 0.4, bound*: 0.4, squared: 0.8,
        cubed: 0.8, square root: 0.8, fraction*: 0.8, sigma: 0.8, theta: 0.8, delta: 0.6,
        epsilon: 0.6, lambda: 0.4, phi: 0.6, omega: 0.6, alpha: 0.4, beta: 0.4, mu: 0.4,
        dx: 1.0, dt: 0.6, dy: 0.8, partial: 0.6, gradient: 0.4, determinant*: 0.8,
        eigenvalue*: 0.6, eigenvector*: 0.6, integral*: 0.8, derivative*: 0.6, sum: 0.5,
        product: 0.4, hat: 0.6, prime: 0.6, modulo: 0.8, mod: 0.5, equals: 0.6, minus: 0.8,
        plus: 0.4, sign: 0.5, negative: 0.3, x axis: 0.3, y axis: 0.3, axis: 0.2, math: 0.5,
        formula: 0.5, expression*: 0.6, variable*: 0.3, constant*: 0.5, coefficient: 0.5,
        log: 0.5, ln: 0.6, sin: 0.6, equation*: 1.0, formula*: 1.0, symbol*: 1.0,
        commutator: 0.8, bounds: 0.6, denominator*: 1.0, numerator*: 1.0, integrand: 0.8,
        coefficients: 0.6, cos: 0.6, tan: 0.5, exp: 0.5, sqrt: 0.8, inverse: 0.5, by: 0.1,
        dot product: 0.8, cross product: 0.8, kn: 0.3, th: 0.2, subscripts: 0.5
    """,
    "narration": """
        say*: 0.8, said: 0.8, saying: 0.9, says: 0.3, sound*: 0.8, heard: 0.8, hear: 0.6,
        voice: 1.0, spoke: 0.8, speak*: 0.6, line: 0.4, pause: 0.6, word: 0.3, pronounce: 1.0,
        call it: 0.6, called it: 0.6, calling it: 0.6, misread: 1.5, mention: 0.3,
        mentioned: 0.3, phrase: 0.6, phrasing: 0.8, wording: 0.6, the script: 0.8,
        recording: 1.0, recorded: 0.8, audio: 0.5, statement: 0.6, claim*: 0.5
    """,
    "color": """
        color*: 1.4, colour*: 1.4, red*: 0.6, green*: 0.6, blue*: 0.6, yellow*: 0.6,
        orange: 0.5, purple*: 0.6, pink*: 0.6, teal: 0.6, cyan: 0.6, magenta: 0.6, brown: 0.5,
        gray: 0.6, grey: 0.6, greyed: 0.6, grayed: 0.6, black: 0.5, white: 0.5, violet: 0.6,
        gold: 0.4, dark: 0.4, darker: 0.4, lighter: 0.4, bright: 0.5, brighter: 0.5, pale: 0.5,
        faint: 0.6, highlight*: 0.4, shaded: 0.8, opacity: 0.8, transparent: 0.6,
        transparency: 0.8, visible: 0.4, visibility: 0.5, background: 0.5, gradient: 0.2
    """,
    "visual": """
        box*: 0.7, rectangle*: 0.8, border*: 0.8, outline*: 0.6, arrow*: 0.5, frame: 0.8,
        frames: 0.8, transition*: 0.8, animation*: 0.6, animate*: 0.4, graph*: 0.5, axis: 0.6,
        axes: 0.6, tick*: 0.5, grid: 0.5, curve: 0.3, plot*: 0.5, diagram*: 0.5, scale: 0.4,
        shape*: 0.4, size: 0.6, sized: 0.6, position*: 0.7, placed: 0.6, moves: 0.4,
        moving: 0.4, floating: 1.0, float*: 0.4, edge*: 0.5, corner*: 0.5, inside: 0.3,
        legend: 0.8, camera: 0.8, zoom*: 0.6, pan*: 0.4, timing: 0.6, screen: 0.5, visual*: 0.4,
        visualization*: 0.3, image*: 0.5, picture*: 0.4, icon*: 0.6, margin*: 0.8,
        centered: 0.8, center: 0.4, left: 0.3, right side: 0.5, top: 0.3, bottom: 0.3,
        layer: 0.1, surround*: 0.6, weird: 0.5, odd: 0.4, awkward: 0.5, strange: 0.4,
        jump*: 0.6, pop*: 0.4, flash*: 1.0, blink*: 0.8, resolution: 1.0, display*: 0.4,
        drawn: 0.6, draw*: 0.3, line*: 0.2, dot*: 0.4, point*: 0.2, label*: 0.4, text: 0.3,
        overlay*: 0.8, cursor: 0.6, pointer: 0.5, scene: 0.4, shot: 0.6, shots: 0.4,
        mobject*: 1.0, object: 0.3, objects: 0.3, pi creature*: 0.8, creature*: 0.5,
        character: 0.3, wide: 0.4, narrow: 0.4, tiny: 0.6, huge: 0.4
    """,
    "code": """
        code: 1.6, coding: 0.8, function: 0.5, loop*: 1.5, iteration*: 1.0, iterate*: 0.8,
        return*: 0.8, append*: 1.8, variable*: 0.6, assign*: 1.0, mutate*: 1.5, array*: 1.0,
        list: 0.5, lists: 0.5, dict*: 0.8, dictionary: 0.6, string*: 0.6, integer*: 0.5,
        int: 0.8, float: 0.6, python: 1.5, numpy: 1.5, javascript: 1.5, java: 1.0, rust: 0.5,
        haskell: 1.0, sql: 1.5, query: 0.8, bash: 1.0, regex: 1.0, html: 0.8, css: 0.8,
        julia: 0.6, matlab: 1.0, clause: 0.4, comprehension: 1.2, builtin: 0.8, built in: 0.6,
        shadows: 0.6, undefined: 0.8, declared: 0.6, recursive call*: 1.5, function call*: 1.2,
        call stack: 1.2, cpp: 1.0, c++: 1.0, method*: 0.6, class: 0.4, import*: 0.6,
        print*: 0.8, semicolon*: 1.5, brace*: 0.8, parameter*: 0.3, argument*: 0.4,
        recursion: 1.0, recursive: 0.8, algorithm*: 0.3, implementation*: 0.8, implement*: 0.4,
        snippet*: 1.5, pseudocode: 1.5, pseudo code: 1.5, script: 0.5, library: 0.5, api: 0.6,
        null: 1.0, range: 0.4, len: 1.0, def: 1.5, self: 0.4, boolean: 0.5, operator*: 0.6,
        index: 0.3, indexed: 0.3, zero indexed: 1.0, line of code: 1.0, lines of code: 1.0,
        terminal: 0.6, output: 0.3, input: 0.2, execute*: 0.6, runs: 0.4, program*: 0.4,
        compute*: 0.3, computation*: 0.3, memory: 0.3, git: 0.8, github: 0.6, repo: 0.6,
        notebook: 0.6, jupyter: 1.0, manim: 0.3, statement: 0.4, if statement: 1.0, else: 0.8,
        elif: 1.5, while: 0.2, for loop: 1.0, while loop: 1.2, declare*: 0.8, type: 0.2,
        overflow: 0.8, off by one: 0.8, slicing: 1.0, slice: 0.6, mutable: 1.2, immutable: 1.2
    """,
    "content": """
        explain*: 1.0, explanation*: 1.0, intuition*: 1.2, intuitive: 0.8, motivat*: 1.0,
        example*: 0.6, proof*: 0.6, prove: 0.6, mention*: 0.6, talk about: 1.0,
        talking about: 0.4, discuss*: 0.8, cover*: 0.5, concept*: 0.5, idea*: 0.4,
        next video: 0.4, part 2: 0.5, follow up: 0.5, viewer*: 0.6, audience: 0.6,
        beginner*: 0.6, understand*: 0.5, derivation: 0.6, detail*: 0.6, deeper: 0.6, why: 0.5,
        how: 0.3, arbitrary: 0.6, more time: 0.5, section: 0.3, topic: 0.2, point out: 0.4,
        emphasi*: 0.6, step*: 0.3, analogy: 0.8, application*: 0.6, history: 0.5, context: 0.5,
        choice*: 0.4, decide: 0.4, decided: 0.4, reference*: 0.4, source*: 0.3, paper: 0.3,
        book: 0.2, definition*: 0.5
    """,
}

# A problem is being reported: boosts whichever erratum topic the text is about.
_PROBLEM = """
    the other way: 0.8, other way around: 1.0, wrong way: 1.2, wrong direction: 1.2,
    opposite direction: 1.0, should go: 0.8, should equal: 1.0, should start: 0.8,
    should end: 0.8, should point: 1.0, should have: 0.6, one thing: 0.5,
    error*: 1.0, mistake*: 1.2, wrong: 1.2, wrongly: 1.0, incorrect*: 1.3, should be: 1.2,
    should read: 1.5, should say: 1.5, should have been: 1.2, instead of: 0.7, rather than: 0.8,
    fix*: 0.8, inconsisten*: 1.2, i noticed: 0.8, noticed: 0.5, small error: 1.2, catch: 0.4,
    erratum: 1.5, errata: 1.5, missing: 0.8, flipped: 0.8, swapped: 1.0, reversed: 0.8,
    backwards: 0.6, doesn't match: 1.2, don't match: 1.2, do not match: 1.2,
    does not match: 1.2, mismatch*: 1.2, isn't right: 1.2, not right: 1.0, not correct: 1.2,
    isn't correct: 1.2, oops: 0.8, whoops: 0.8, issue*: 0.6, problem: 0.4, broken: 1.0,
    glitch: 0.5, shouldn't: 0.8, should: 0.4, supposed to be: 1.0, meant: 0.4, mixed up: 1.0,
    mix up: 1.0, off by: 0.8, accidentally: 1.0, accidental: 0.8, forgot: 0.8, forgotten: 0.8,
    left over: 0.6, leftover: 0.4, duplicate*: 0.6, twice: 0.4, inaccurate: 1.2,
    mislabeled: 1.5, mislabelled: 1.5, mismatched: 1.2, doesn't line up: 1.5,
    don't line up: 1.5, bad: 0.4, weird: 0.3, odd: 0.3, distracting: 0.8, confusing: 0.3,
    unreadable: 1.2, illegible: 1.2, small: 0.2, erroneous*: 1.2, correction*: 1.0,
    correct: 0.4, actually: 0.2, not quite: 0.6, complaint: 0.3, nitpick*: 1.0,
    in one scene: 0.8, in the next: 0.4, in another: 0.5, in others: 0.6, in some: 0.3,
    compared to the rest: 0.6, switch*: 0.5, hard to see: 1.2, hard to tell: 1.2,
    can't tell: 1.2, hard to know which: 1.2, which is which: 1.2, tell apart: 1.2,
    look identical: 1.2, looks identical: 1.2, look the same: 1.2, looks the same: 1.0,
    blends in: 1.2, blend in: 1.0, disappear into: 1.2, disappears into: 1.2,
    hard to distinguish: 1.0, barely see: 1.2, barely visible: 1.2, hard to make out: 1.2,
    can barely: 0.8, nit: 0.8, minor: 0.4, quibble: 0.8, heads up: 0.6
"""

# A change is being suggested or something is unclear: feedback, and also what visual and
# color requests look like ("maybe put it inside the box").
_SUGGESTION = """
    might be helpful: 2.0, could be helpful: 2.0, would be helpful: 2.0, might help: 1.5,
    would help: 1.5, could help: 1.5, could be nice: 2.0, would be nice: 2.0,
    might be nice: 2.0, would be great: 1.5, would be cool: 1.5, would love: 1.0, i'd love: 1.0,
    i'd like: 1.0, i would like: 1.0, like to see: 1.2, might be worth: 2.0,
    it might be worth: 0.5, worth mentioning: 2.0, worth explaining: 2.0, worth adding: 2.0,
    worth noting: 1.5, you could: 1.2, you might: 0.8, you may want: 1.5, you might want: 1.5,
    might want to: 1.2, maybe mention: 1.5, maybe add: 1.5, maybe show: 1.5, suggest*: 2.0,
    suggestion: 0.5, consider*: 1.2, recommend*: 1.2, perhaps: 0.5, would be better: 1.0,
    could be better: 1.0, might be better: 1.0, might be good: 2.0, could be good: 1.5,
    would be good: 1.5, be more clear: 2.0, be clearer: 2.0, more explicit: 2.0,
    be explicit: 2.0, elaborat*: 2.0, expand on: 1.5, go deeper: 1.5, more detail: 1.5,
    in more depth: 1.5, one thought: 1.0, just a thought: 1.0, food for thought: 1.0,
    feedback: 0.5, maybe: 0.4, i would: 0.8, i'd: 0.4, if you: 0.4, also add: 1.0, add a: 0.5,
    could add: 1.5, could you: 1.2, can you: 1.0, please: 0.6, wish: 0.8, hope you: 0.6,
    plan to: 0.4, would add: 1.0, i think you should: 1.5, it'd be: 0.8, it would be: 0.6,
    request*: 1.0, might benefit: 1.8, would benefit: 1.8, could benefit: 1.8, could use: 1.2,
    would make: 0.8, i feel like: 0.6, i felt like: 0.6, felt like: 0.4, came a bit late: 0.8,
    would have liked: 1.5, i'd have liked: 1.5, missed opportunity: 1.2, could start: 1.0,
    could begin: 1.0, could open: 0.8
"""

_UNCLEAR = """
    question: 1.5, clarif*: 2.0, confus*: 1.5, unclear: 1.8, not clear: 1.8, wasn't clear: 1.8,
    isn't clear: 1.8, not obvious: 1.5, wasn't obvious: 1.5, didn't understand: 1.5,
    don't understand: 1.5, do not understand: 1.5, lost me: 1.5, hard to follow: 1.8,
    difficult to follow: 1.8, couldn't follow: 1.5, not make a lot of sense: 1.5,
    doesn't make sense: 1.0, not sure why: 1.2, i wonder: 1.0, wondering: 1.0, what if: 0.8,
    how does: 0.6, how do: 0.6, why does: 0.6, why do: 0.6, why is: 0.6, how did: 0.5,
    can we: 0.6, is it: 0.2, shouldn't it: 0.3, what about: 0.8, got lost: 1.5, lost track: 1.2,
    too fast: 1.2, too quickly: 1.2, rushed: 1.2, glossed over: 1.5, went over my head: 1.5,
    over my head: 1.2, skipped over: 1.2, jump from: 0.8, missing step: 1.5
"""

_PRAISE = """
    awesome: 1.2, great: 0.6, great video: 1.2, great work: 1.2, great job: 1.2,
    great content: 1.0, amazing: 1.2, love: 0.6, love it: 1.0, love this: 1.0, loved: 1.0,
    beautiful*: 1.0, excellent: 1.0, excited: 1.0, exciting: 0.8, can't wait: 1.5,
    cannot wait: 1.5, looking forward: 1.5, thanks: 0.8, thank you: 0.8, well done: 1.2,
    brilliant: 1.0, fantastic: 1.0, top notch: 1.2, enjoyed: 1.0, enjoy: 0.6, cool: 0.6,
    nice: 0.5, good: 0.4, really good: 1.0, very good: 1.0, looks good: 1.0, favorite: 1.0,
    favourite: 1.0, wow: 1.0, keep up: 1.0, keep it up: 1.0, as always: 0.8, masterpiece: 1.2,
    admire: 1.2, subscribed: 0.8, appreciate: 0.6, lucid: 0.8, polished: 0.6, best: 0.6,
    perfect*: 0.8, incredible: 1.0, happy: 0.6, joy: 0.8, gasp: 0.6, kudos: 1.2, bravo: 1.2,
    congrat*: 1.2, stunning: 1.0, impressive: 1.0, wonderful: 1.0, superb: 1.0, gorgeous: 1.0,
    mind blowing: 1.2, mindblowing: 1.2, blew my mind: 1.2, learned so much: 1.2,
    learnt so much: 1.2, so clear: 0.8, super clear: 0.8, crystal clear: 1.0, helpful: 0.4,
    inspiring: 1.0, genius: 1.0, legend: 0.6, hype: 1.0, yay: 1.0, woohoo: 1.0, lol: 0.6,
    haha: 0.6, hope that helps: 1.5, hope this helps: 1.5, cheers: 1.0, good stuff: 1.0,
    way to go: 1.2, really enjoyed: 1.0, can't express: 0.8, all time: 0.6, always: 0.2,
    pacing: 0.3, done it again: 1.0, great point: 1.0, good catch: 1.0, good catches: 1.0,
    i guess: 0.3, agree: 0.6, definitely: 0.3
"""

# Talk about the channel, the schedule, other people's replies: nothing to fix in the cut.
_CHATTER = """
    youtube: 0.6, algorithm: 0.2, views: 1.2, subscriber*: 1.0, upload*: 0.8, release*: 0.6,
    releasing: 0.6, monday*: 1.0, tuesday*: 1.0, wednesday*: 1.0, thursday*: 1.0, friday*: 1.0,
    saturday*: 1.0, sunday*: 1.0, weekend: 0.8, patreon: 0.8, patron*: 0.6, channel: 0.6,
    schedule: 0.8, debatable: 1.0, i disagree: 1.0, disagree: 0.6, see this: 0.6, research: 0.3,
    club: 0.4, share: 0.4, veritasium: 0.5, numberphile: 0.5, merch: 1.0, sponsor*: 0.8,
    notification*: 0.6, first: 0.2, early: 0.3, sneak peek: 0.8, early access: 0.8,
    in itself: 0.5, my guess: 0.6, off topic: 1.5, unrelated: 1.0, by the way: 0.4, btw: 0.4,
    anyone else: 1.2, does anyone: 1.2, anyone know: 1.2, discord: 1.0, reddit: 0.8,
    twitter: 0.8, software: 0.4, what software: 1.0, comment above: 1.0, comments: 0.4
"""

# Hedges: they lower the confidence and are not problem evidence themselves ("I could be
# wrong" says nothing is wrong).
_HEDGES = """
    could be wrong: 1.0, might be wrong: 1.0, may be wrong: 1.0, could be totally wrong: 1.0,
    could be completely wrong: 1.0, could be mistaken: 1.0, might be mistaken: 1.0,
    correct me if: 1.0, if i'm not mistaken: 1.0, unless i'm mistaken: 1.0, i may be wrong: 1.0,
    i might be wrong: 1.0, not sure: 1.0, i think: 1.0
"""

_NEGATORS_TEXT = """
    not no never without nothing isn't wasn't aren't weren't don't doesn't didn't can't
    couldn't won't wouldn't shouldn't hardly barely
"""
_NEGATORS = frozenset(_NEGATORS_TEXT.split())
# Words that may sit between a negator and the cue it negates ("not a typo").
_NEGATION_SKIP = frozenset(
    ["a", "an", "the", "any", "really", "very", "quite", "so", "too", "just", "actually"]
)

_WORD_RE = re.compile(r"[a-z0-9+]+(?:'[a-z]+)?")

# Quoted strings: "...", curly quotes, `...`, and '...' when the quotes are not apostrophes.
# One simple pattern per kind of quote, run only when that quote mark is in the text: each
# starts with a literal, which the regex engine finds fast.
_QUOTE_PATTERNS = (
    ('"', re.compile(r'"([^"\n]{1,80})"')),
    ("\u201c", re.compile(r"\u201c([^\u201d\n]{1,80})\u201d")),
    ("\u2018", re.compile(r"\u2018([^\u2019\n]{1,80})\u2019")),
    ("`", re.compile(r"`([^`\n]{1,80})`")),
    ("'", re.compile(r"'([^'\n]{1,80}?)'(?![\w])")),
)
# Speech cues, matched on the lower-cased text; every alternative starts with a literal.
_SPEECH_RE = re.compile(
    r"you(?<![a-z]you)(?:'re|\s+are)?\s+"
    r"(?:(?:also|just|then|actually|accidentally|keep|kept|always)\s+)?"
    r"(?:say|said|says|saying|pronounce[ds]?|pronouncing|misspoke|misspeak|mispronounce[ds]?|"
    r"state[ds]?|call(?:ed)?\s+(?:it|them|this)|read\s+(?:it|out)|mean\s+to\s+say|"
    r"meant\s+to\s+say|meant(?!\s+to\s+(?:write|type)))\b"
)
_SPEECH_PHRASES = (" i heard ", " i hear ", " sounds like you ", " sound like you ")
# Words and phrases that place the text on screen (titles, labels, captions...).
_ON_SCREEN_WORDS_TEXT = """
    title titles caption captions label labels labeled labelled text slide slides heading
    headings subtitle subtitles card banner legend written spelled spelt onscreen
"""
_ON_SCREEN_WORDS = frozenset(_ON_SCREEN_WORDS_TEXT.split())
_ON_SCREEN_PHRASE_STARTS = frozenset(["on", "it", "you", "meant", "text"])
_ON_SCREEN_PHRASES = (
    "on screen",
    "on-screen",
    "it says",
    "it reads",
    "you wrote",
    "you write",
    "you typed",
    "meant to write",
    "text box",
)
# "X instead of Y", "X should be Y", "misspelled X as Y", "X -> Y": connectors between the
# two words of a correction, as runs of word tokens.
_PAIR_CONNECTORS = {
    "should": (("should", "be"), ("should", "read"), ("should", "say"), ("should", "have", "been")),
    "instead": (("instead", "of"),),
    "rather": (("rather", "than"),),
    "not": (("not",),),
    "as": (("as",),),
    "vs": (("vs",),),
    "is": (("is", "spelled", "as"), ("is", "spelt", "as"), ("is", "spelled"), ("is", "spelt")),
}
_PAIR_WORD_RE = re.compile(r"[\w-]+")

# Code-looking and math-looking tokens. Most are found from the positions of the one
# character they need ("(", "=", "_", "["), which str.find reaches at C speed, and judged by
# the identifier next to it: "np.dot(" and "range(" are code, "f(x)" and "P(A|B)" are math.
_MATH_FUNCTIONS_TEXT = """
    sin cos tan log ln exp sqrt det max min arg lim sup inf mod gcd var cov tr
"""
_MATH_FUNCTIONS = frozenset(_MATH_FUNCTIONS_TEXT.split())
_IDENTIFIER_TAIL_RE = re.compile(r"[A-Za-z_][\w.]*$")
_IDENTIFIER_HEAD_RE = re.compile(r"[A-Za-z0-9_]+")
_CODE_KEYWORDS = frozenset(
    ["def", "return", "import", "self", "np", "elif", "none", "true", "false", "null"]
)
_CODE_KEYWORD_RE = re.compile(
    r"(?:def|return|import)\s+\w|(?:self|np)\.\w|elif\b|"
    r"(?:[=(,]\s*|is\s+|returns?\s+)(?:none|true|false|null)\b"
)
_FOR_IN_RE = re.compile(r"for\s+[a-z_]\w{0,2}\s+in\s+\w")
# camelCase identifiers; the cheap two-letter test runs first.
_CAMEL_HINT_RE = re.compile(r"[a-z][A-Z]")
_CAMEL_RE = re.compile(r"\b[a-z]+[A-Z][a-z]+\w*\b")
_MATH_SYMBOL_RE = re.compile(r"[\u03b1-\u03c9\u0391-\u03a9∑∫∂√∞≤≥≠±\u00d7·∈∀∃→⋅∇]")
_OPERATOR_RE = re.compile(r"[+*/^]| - ")


def _positions(text: str, needle: str) -> list[int]:
    found = []
    index = text.find(needle)
    while index != -1:
        found.append(index)
        index = text.find(needle, index + 1)
    return found


def _identifier_before(text: str, position: int) -> str:
    match = _IDENTIFIER_TAIL_RE.search(text, max(0, position - 30), position)
    if match is None or (match.start() > 0 and text[match.start() - 1].isalnum()):
        return ""
    return match.group()


def _short_operand(word: str) -> bool:
    return 0 < len(word) <= 2 and word.isalnum()


def _symbol_counts(text: str, token_set: frozenset[str] | None) -> tuple[int, int]:
    """(code-looking, math-looking) token counts."""
    code = math_ = 0
    for position in _positions(text, "("):
        name = _identifier_before(text, position)
        if not name:
            continue
        close = text.find(")", position, position + 32)
        if "." in name.strip("."):
            code += 1  # np.dot(a, b), self.play(
        elif name.lower() in _MATH_FUNCTIONS or len(name) == 1:
            math_ += 1  # sin(x), f(x), P(A|B)
        elif close != -1:
            code += 1  # range(1, n), print(x)
    for position in _positions(text, "="):
        before, after = text[position - 1 : position], text[position + 1 : position + 2]
        if after == "=" or before in "=!<>":
            if after == "=" or before == "!":
                code += 1  # ==, !=
            continue
        stripped = text[:position].rstrip(" +-*/")
        name = _identifier_before(stripped, len(stripped))
        if len(name) >= 2:
            code += 1  # total += x, mid = (lo + hi) / 2
        elif len(name) == 1:
            math_ += 1  # x = 0, n = 1
    for position in _positions(text, "_"):
        left = _identifier_before(text, position)
        head = _IDENTIFIER_HEAD_RE.match(text, position + 1)
        right = head.group() if head else ""
        if text[position + 1 : position + 2] == "{" or (len(left) == 1 and 0 < len(right) <= 3):
            math_ += 1  # w_{0,n}, b_k, x_1
        elif len(left) >= 1 and len(right) >= 2 and left.isalpha():
            code += 1  # matrix_multiply, n_layers
    for position in _positions(text, "["):
        if position > 0 and (text[position - 1].isalnum() or text[position - 1] == "_"):
            code += 1  # a[i], xs[1:]
    code += text.count("`") // 2 + text.count("//")
    if "{}" in text or "{ }" in text:
        code += 1
    if token_set is None or not _CODE_KEYWORDS.isdisjoint(token_set):
        code += len(_CODE_KEYWORD_RE.findall(text.lower()))
    if token_set is None or ("for" in token_set and "in" in token_set):
        code += len(_FOR_IN_RE.findall(text.lower()))
    if (code or "`" in text) and _CAMEL_HINT_RE.search(text):
        code += len(_CAMEL_RE.findall(text))  # camelCase names, when code is in sight
    if not ("+" in text or "*" in text or "/" in text or "^" in text or " - " in text):
        operators: list[re.Match[str]] = []
    else:
        operators = list(_OPERATOR_RE.finditer(text))
    for match in operators:
        if match.group() == "^":
            math_ += 1
            continue
        left = text[: match.start()].rstrip().rsplit(None, 1)[-1:] or [""]
        right = text[match.end() :].lstrip().split(None, 1)[:1] or [""]
        if _short_operand(left[0].lstrip("([")) and _short_operand(right[0].rstrip(").,;:]")):
            math_ += 1  # a + b, 1/x, AB - BA
    if "\\" in text:
        math_ += text.count("\\")
    for position in _positions(text, " by "):
        if (
            position >= 1
            and text[position - 1].isalpha()
            and (position < 2 or not text[position - 2].isalnum())
            and text[position + 4 : position + 5].isalpha()
            and not text[position + 5 : position + 6].isalnum()
        ):
            math_ += 1  # k by n
    if "-th" in text:
        math_ += sum(
            1
            for p in _positions(text, "-th")
            if 0 < len(_identifier_before(text, p)) <= 2 and not text[p + 3 : p + 4].isalpha()
        )
    if token_set is None:
        token_set = frozenset(_WORD_RE.findall(text.lower()))
    math_ += len(_DIFFERENTIALS.intersection(token_set))  # dx, dt
    if not text.isascii():
        math_ += len(_MATH_SYMBOL_RE.findall(text))
    return code, math_


_DIFFERENTIALS = frozenset(["dx", "dy", "dt"])


def _code_tokens(text: str, token_set: frozenset[str] | None) -> int:
    return _symbol_counts(text, token_set)[0]


def _math_tokens(text: str) -> int:
    return _symbol_counts(text, None)[1]


_COLOR_NAMES_TEXT = """
    red green blue yellow orange purple pink teal cyan magenta brown gray grey black white
    violet gold
"""
_COLOR_NAMES = frozenset(_COLOR_NAMES_TEXT.split())
_BOTH_COLOR_RE = re.compile(
    r"\b(?:both|all)\s+(?:(?:are|were|drawn|shown|colou?red|in|the|same|a|light|dark|pale|"
    r"bright)\s+){0,3}(?:" + "|".join(sorted(_COLOR_NAMES)) + r")\b"
)
_EMOTICONS = (":)", ":-)", ":D", ";)", "<3", "^^", "^.^", ":P", "xD", "🙂", "😀", "😊", "❤", "👍")


def _emoticons(text: str) -> int:
    if text.isascii() and not (
        ":" in text or ";" in text or "<3" in text or "^" in text or "xD" in text
    ):
        return 0
    return sum(text.count(face) for face in _EMOTICONS)


def _has_repeated_word(tokens: list[str]) -> bool:
    """A doubled word ("the the"), the commonest typo there is."""
    return any(a == b and len(a) > 1 and a.isalpha() for a, b in itertools.pairwise(tokens))


_SUFFIXES = ("", "s", "es", "ed", "d", "ing", "er", "ers", "ings", "ly", "ness")


def _expand(word: str) -> list[str]:
    """Inflected forms of a cue word written with a trailing "*"."""
    stem = word[:-1]
    forms = {stem + suffix for suffix in _SUFFIXES}
    if stem.endswith("e"):
        forms.update(stem[:-1] + suffix for suffix in ("ing", "ed", "er", "ion", "ions"))
    if len(stem) > 2 and stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou":
        forms.update(stem + stem[-1] + suffix for suffix in ("ed", "ing", "er", "ers"))
    if stem.endswith("y"):
        forms.update(stem[:-1] + suffix for suffix in ("ies", "ied"))
    return sorted(forms)


def _parse_table(table: str) -> dict[tuple[str, ...], float]:
    """Read "phrase: weight, ..." into {token tuple: weight}, expanding "word*"."""
    cues: dict[tuple[str, ...], float] = {}
    for entry in table.replace("\n", " ").split(","):
        entry = entry.strip()
        if not entry:
            continue
        phrase, _, weight = entry.rpartition(":")
        words = phrase.strip().lower().replace("-", " ").split()
        variants: list[list[str]] = [[]]
        for word in words:
            options = _expand(word) if word.endswith("*") else [word]
            variants = [[*prefix, option] for prefix in variants for option in options]
        for variant in variants:
            key = tuple(_WORD_RE.findall(" ".join(variant)))
            if key:
                cues[key] = max(cues.get(key, 0.0), float(weight))
    return cues


# Every cue, keyed by its token tuple, with the (channel, weight) pairs it feeds. A channel is
# "intrinsic:<category>", "topic:<category>", "problem", "suggestion", "unclear", "praise"
# or "chatter".
_CUES: dict[tuple[str, ...], list[tuple[str, float]]] = {}


def _register(channel: str, table: str) -> None:
    for key, weight in _parse_table(table).items():
        _CUES.setdefault(key, []).append((channel, weight))


for _category, _table in _INTRINSIC.items():
    _register("intrinsic:" + _category, _table)
for _category, _table in _TOPIC.items():
    _register("topic:" + _category, _table)
_register("problem", _PROBLEM)
_register("suggestion", _SUGGESTION)
_register("unclear", _UNCLEAR)
_register("praise", _PRAISE)
_register("chatter", _CHATTER)
_register("hedge", _HEDGES)
# Words that start a praise or chatter cue: a sentence with none of them is not chatter.
_CHATTER_FIRST_WORDS = frozenset(
    key[0] for key, hits in _CUES.items() if any(c in ("praise", "chatter") for c, _ in hits)
)

# For each word that starts a cue, the phrase lengths to try, longest first.
_LENGTHS: dict[str, tuple[int, ...]] = {}
for _key in _CUES:
    _LENGTHS[_key[0]] = tuple(sorted(set(_LENGTHS.get(_key[0], ())) | {len(_key)}, reverse=True))

# Words people misspell while reporting misspellings ("speling erur"): matched within one
# edit so the joke still counts as evidence.
_FUZZY_TARGETS = {
    "spelling": ("intrinsic:typo", 2.5),
    "misspelled": ("intrinsic:typo", 3.0),
    "misspelling": ("intrinsic:typo", 3.0),
    "typo": ("intrinsic:typo", 3.0),
    "mistake": ("problem", 1.0),
    "error": ("problem", 0.8),
    "glitch": ("intrinsic:visual", 2.0),
    "misspoke": ("intrinsic:narration", 2.5),
    "pronunciation": ("intrinsic:narration", 1.6),
    "colorblind": ("intrinsic:color", 2.5),
    "notation": ("intrinsic:notation", 2.0),
    "indentation": ("intrinsic:code", 1.6),
}


@lru_cache(maxsize=65536)
def _fuzzy_cue(token: str) -> tuple[str, float] | None:
    # Short words are too often real words one edit from a cue ("type" / "typo").
    if len(token) < 5 or (token,) in _CUES:
        return None
    for target, cue in _FUZZY_TARGETS.items():
        if abs(len(target) - len(token)) > 1 or target[0] != token[0]:
            continue
        if OSA.distance(token, target, score_cutoff=1) <= 1:
            return cue
    return None


@lru_cache(maxsize=65536)
def _singular(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def quoted_strings(text: str) -> list[str]:
    """The strings the text puts in quotes, without the quotes and trailing punctuation."""
    spans: list[tuple[int, int, str]] = []
    for mark, pattern in _QUOTE_PATTERNS:
        if mark not in text:
            continue
        for match in pattern.finditer(text):
            # A single quote that is an apostrophe ("it's", "users'") opens nothing.
            if (
                mark == "'"
                and match.start() > 0
                and (text[match.start() - 1].isalnum() or text[match.start() - 1] == "'")
            ):
                continue
            spans.append((match.start(), match.end(), match.group(1)))
    if not spans:
        return []
    spans.sort()
    found = []
    reached = -1
    for start, end, value in spans:
        if start < reached:
            continue  # inside another quotation
        reached = end
        value = value.strip().strip(".,;:!?").strip()
        if value:
            found.append(value)
    return found


def _is_spelling_pair(first: str, second: str) -> bool:
    """Two different words one or two edits apart: a misspelling and its fix."""
    a, b = first.lower(), second.lower()
    if a == b or abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 3:
        return False
    if not (a.isalpha() and b.isalpha()):
        return False
    limit = 1 if min(len(a), len(b)) <= 4 else 2
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def correction_pairs(
    text: str, quoted: list[str] | None = None, words: list[str] | None = None
) -> list[tuple[str, str]]:
    """Word pairs that read as a misspelling and its fix ("mabye" / "maybe").

    `quoted` and `words` (the text's quoted strings and lower-cased words) may be passed in
    when already known."""
    pairs = []
    if words is None or "->" in text or "→" in text or "=>" in text:
        lowered = text.lower()
        for arrow in ("->", "→", "=>"):
            if arrow in lowered:
                lowered = lowered.replace(arrow, " vs ")
        words = _PAIR_WORD_RE.findall(lowered)
    for index, word in enumerate(words):
        connectors = _PAIR_CONNECTORS.get(word)
        if connectors is None or index == 0:
            continue
        for connector in connectors:
            end = index + len(connector)
            if end < len(words) and tuple(words[index:end]) == connector:
                if _is_spelling_pair(words[index - 1], words[end]):
                    pairs.append((words[index - 1], words[end]))
                break
    if quoted is None:
        quoted = quoted_strings(text)
    if quoted:
        words = [q for q in quoted if q.isalpha()]
        for i, first in enumerate(words):
            for second in words[i + 1 : i + 4]:
                if _is_spelling_pair(first, second) and (first, second) not in pairs:
                    pairs.append((first, second))
    return pairs


_INTRINSIC_KEYS = tuple((c, "intrinsic:" + c) for c in ERRATUM_CATEGORIES)
_TOPIC_KEYS = tuple((c, "topic:" + c) for c in (*ERRATUM_CATEGORIES, "content"))


class Evidence(NamedTuple):
    """What the text says, channel by channel, before it is weighed into a category."""

    intrinsic: dict[str, float]
    topic: dict[str, float]
    problem: float
    suggestion: float
    unclear: float
    praise: float
    chatter: float
    questions: int
    hedged: bool


_TokenInfo = tuple[bool, tuple[int, ...], str, "tuple[str, float] | None"]
# Most words are none of: a negator, the start of a cue, a near-miss of a strong cue word.
_PLAIN: _TokenInfo = (False, (), "", None)
_TOKEN_INFO: dict[str, _TokenInfo] = {}


def _token_info(token: str) -> _TokenInfo:
    """(is a negator, cue phrase lengths starting here, the word to look up, fuzzy cue);
    memoised in a plain dict, which is cheaper to consult than an lru_cache."""
    info = _TOKEN_INFO.get(token)
    if info is not None:
        return info
    negator = token in _NEGATORS or token.endswith("n't")
    singular = _singular(token)
    fuzzy = None
    if token in _LENGTHS:
        info = (negator, _LENGTHS[token], token, None)
    elif (singular,) in _CUES:
        # A plural that is not itself a cue ("glitches") counts as its singular word.
        info = (negator, (1,), singular, None)
    else:
        fuzzy = _fuzzy_cue(token)
        info = _PLAIN if not negator and fuzzy is None else (negator, (), token, fuzzy)
    if len(_TOKEN_INFO) > 200_000:
        _TOKEN_INFO.clear()  # bounded memory on an endless stream of new words
    _TOKEN_INFO[token] = info
    return info


def _scan_cues(tokens: list[str]) -> dict[str, float]:
    """Sum cue weights per channel over the longest phrases in the tokens, with negation."""
    sums: dict[str, float] = {}
    negation_scope = -1
    covered_until = -1
    count = len(tokens)
    for i, token in enumerate(tokens):
        info = _TOKEN_INFO.get(token) or _token_info(token)
        if info is _PLAIN:
            continue
        negator, lengths, word, fuzzy = info
        # The scope of a negator is the next content word after it, never the negator's own
        # phrase ("doesn't match", "can't wait").
        negated = i <= negation_scope
        if negator:
            j = i + 1
            while j < count and tokens[j] in _NEGATION_SKIP:
                j += 1
            negation_scope = j
        if not lengths:
            if fuzzy is not None and i > covered_until:
                _add(sums, fuzzy[0], fuzzy[1], negated)
            continue
        hits: list[tuple[str, float]] | None = None
        for length in lengths:
            if i + length > count:
                continue
            # Inside a phrase already counted, only a phrase reaching past it counts
            # ("it would be" + "would be great"), so "you said" is not also "said".
            if i + length - 1 <= covered_until:
                break
            key = (word,) if length == 1 else tuple(tokens[i : i + length])
            hits = _CUES.get(key)
            if hits is not None:
                covered_until = i + length - 1
                break
        if hits is None:
            continue
        for channel, weight in hits:
            _add(sums, channel, weight, negated)
    return sums


def _add(sums: dict[str, float], channel: str, weight: float, negated: bool) -> None:
    if negated:
        if channel.startswith("topic:"):
            # "isn't centered", "doesn't scale", "not visible": a negated description is a
            # problem with the thing described.
            sums["problem"] = sums.get("problem", 0.0) + 0.8
        else:
            # "not a typo", "no errors", "not great": evidence against.
            weight = -0.6 * weight
    sums[channel] = sums.get(channel, 0.0) + weight


_TAG_RE = re.compile(r"<[a-zA-Z/][^>\n]{0,500}>")


def _plain_text(text: str) -> str:
    """Pasted comments can carry raw HTML (<a href=...>): only the visible text is evidence."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


# Hedging lowers the confidence, never changes the category.
_HEDGE_WORDS = frozenset(["maybe", "perhaps", "presumably", "possibly", "probably", "unless"])
_CORRECTION_WORDS = frozenset(
    ["should", "instead", "rather", "better", "meant", "missing", "not", "as", "vs"]
)
_STRONG_CORRECTION_WORDS = frozenset(["should", "instead", "rather", "vs", "misspelled", "spelled"])
# A speech cue needs one of these words ("you say", "I heard", "sounds like you").
_SPEECH_WORDS = frozenset(["you", "you're", "heard", "hear"])


def _has_quote(text: str) -> bool:
    return any(mark in text for mark in ('"', "'", "\u201c", "\u2018", "`"))


@lru_cache(maxsize=8192)
def gather_evidence(text: str) -> Evidence:
    """Weigh every cue in the text; cached because findings are often re-classified."""
    text = _plain_text(text)
    lowered = text.lower()
    if "\u2019" in lowered or "\u2018" in lowered:
        lowered = lowered.replace("\u2019", "'").replace("\u2018", "'")
    tokens = _WORD_RE.findall(lowered)
    sums = _scan_cues(tokens)

    intrinsic = {c: sums.get(key, 0.0) for c, key in _INTRINSIC_KEYS}
    topic = {c: sums.get(key, 0.0) for c, key in _TOPIC_KEYS}
    problem = sums.get("problem", 0.0)
    suggestion = sums.get("suggestion", 0.0)
    unclear = sums.get("unclear", 0.0)
    praise = sums.get("praise", 0.0)
    chatter = sums.get("chatter", 0.0)

    if ", not " in lowered:
        problem += 0.8  # "it's sine, not cosine": a correction
    questions = text.count("?")
    unclear += 0.6 * min(questions, 4)
    praise += 0.8 * min(_emoticons(text), 2)

    # Quoted strings: a misspelled word next to its fix is the clearest typo there is; a
    # quoted phrase with a correction is a wording change, said or written; quoted code or
    # math points at code or notation.
    token_set = frozenset(tokens)
    quoted = quoted_strings(text) if _has_quote(text) else []
    has_correction = not _CORRECTION_WORDS.isdisjoint(token_set) or "->" in text or "→" in text
    # Unquoted pairs need an explicit correction ("teh instead of the"); quoted ones do not.
    pairs = (
        correction_pairs(text, quoted, tokens)
        if len(quoted) >= 2 or not _STRONG_CORRECTION_WORDS.isdisjoint(token_set)
        else []
    )
    on_screen = not _ON_SCREEN_WORDS.isdisjoint(token_set) or (
        not _ON_SCREEN_PHRASE_STARTS.isdisjoint(token_set)
        and any(phrase in lowered for phrase in _ON_SCREEN_PHRASES)
    )
    speech = 0
    if not _SPEECH_WORDS.isdisjoint(token_set):
        speech = len(_SPEECH_RE.findall(lowered))
        if "heard" in token_set or "hear" in token_set or "like" in token_set:
            joined = f" {' '.join(tokens)} "
            speech += sum(phrase in joined for phrase in _SPEECH_PHRASES)
    pronunciation = speech or intrinsic["narration"] >= 2.0
    if pairs:
        # "pronounced Euler as 'oiler'" is a spoken slip; otherwise a misspelled word.
        intrinsic["narration" if pronunciation else "typo"] += 2.5
        problem += 1.0
    for value in quoted:
        words = value.split()
        if _code_tokens(value, None):
            topic["code"] += 1.0
        elif len(words) <= 3 and _math_tokens(value):
            topic["notation"] += 1.0
        elif on_screen and not speech:
            # Quoting what the title or a label says is quoting text that is wrong.
            intrinsic["typo"] += 1.0
        elif len(words) == 1:
            # A lone quoted word is on-screen text more often than speech.
            if has_correction:
                intrinsic["typo"] += 0.8
            else:
                topic["typo"] += 0.4
        elif has_correction or speech:
            if on_screen and not speech:
                topic["typo"] += 1.0
            else:
                intrinsic["narration"] += 1.0
                topic["narration"] += 0.5
    if speech:
        intrinsic["narration"] += 0.8 * min(speech, 2)
        topic["narration"] += 1.2 * min(speech, 2)
    if on_screen:
        topic["typo"] += 0.3
    colors = _COLOR_NAMES.intersection(token_set)
    if len(colors) >= 2:
        # Two colours named side by side: the text is about telling them apart.
        intrinsic["color"] += 0.8
    if colors and ("both" in token_set or "all" in token_set) and _BOTH_COLOR_RE.search(lowered):
        # "both blue", "both light grey": two things that should differ share a colour.
        intrinsic["color"] += 1.5
    code_tokens, math_tokens = _symbol_counts(text, token_set)
    if code_tokens:
        topic["code"] += 1.2 * min(code_tokens, 3)
    if math_tokens:
        topic["notation"] += 0.8 * min(math_tokens, 4)
    if (pairs or problem > 0) and _has_repeated_word(tokens):
        intrinsic["typo"] += 0.5

    return Evidence(
        intrinsic=intrinsic,
        topic=topic,
        problem=problem,
        suggestion=suggestion,
        unclear=unclear,
        praise=praise,
        chatter=chatter,
        questions=questions,
        hedged=sums.get("hedge", 0.0) > 0 or not _HEDGE_WORDS.isdisjoint(token_set),
    )


def _scores(evidence: Evidence) -> dict[str, float]:
    problem = evidence.problem if evidence.problem > 0 else 0.0
    suggestion = evidence.suggestion if evidence.suggestion > 0 else 0.0
    unclear = evidence.unclear if evidence.unclear > 0 else 0.0
    request = suggestion + 0.5 * unclear
    # Topic words count for little alone and for more when a problem is reported or a change
    # asked for; problem evidence weighs more than a suggestion does.
    activation = 0.3 + 0.45 * min(problem + 0.4 * request, 4.0)
    intrinsic, topic = evidence.intrinsic, evidence.topic
    scores = {}
    strongest = 0.0
    for category in ERRATUM_CATEGORIES:
        weight = topic[category]
        score = intrinsic[category] + (weight * activation if weight > 0 else 0.0)
        scores[category] = score
        if score > strongest:
            strongest = score
    feedback = suggestion + unclear
    content_topic = topic["content"] if topic["content"] > 0 else 0.0
    scores["content"] = (feedback + content_topic * (0.25 + 0.3 * min(feedback, 4.0))) * 0.85
    # Praise around a reported problem is politeness ("Loved it! At 7:30 the integral should
    # go from 0 to 1, not 0 to 2"), so it weighs less there.
    politeness = 0.4 if problem >= 1.0 else 0.8
    scores["none"] = 0.4 + min(evidence.praise, 4.0) * politeness + min(evidence.chatter, 4.0) * 0.9
    # A reported problem with no topic at all is still more likely an erratum than praise;
    # spread it over the categories as a weak prior.
    if problem >= 1.0 and strongest < 1.0:
        for category, prior in _UNSPECIFIED_PRIOR.items():
            scores[category] += prior * min(problem, 3.0)
    return scores


# Where an unspecified "there's an error here" most often lands in review comments.
_UNSPECIFIED_PRIOR = {"narration": 0.35, "visual": 0.3, "typo": 0.25, "notation": 0.25}


def _best(scores: dict[str, float]) -> str:
    # Ties go to the earlier category in CATEGORIES (errata before feedback before praise).
    best = CATEGORIES[0]
    for category in CATEGORIES[1:]:
        if scores[category] > scores[best]:
            best = category
    return best


@lru_cache(maxsize=8192)
def suggest_category(text: str) -> CategorySuggestion:
    """The most likely category for a finding's text, with a confidence in [0, 1]."""
    evidence = gather_evidence(text)
    scores = _scores(evidence)
    best = _best(scores)
    # Softmax over the scores: the share of belief the best category holds.
    top = scores[best]
    total = 0.0
    for score in scores.values():
        total += math.exp(score - top)
    confidence = 1.0 / total
    if evidence.hedged:
        confidence *= 0.85
    return CategorySuggestion(best, round(min(max(confidence, 0.0), 1.0), 3))


def rule_scores(text: str) -> dict[str, float]:
    """The rule engine's score for every category (what suggest_category picks the best of):
    the learned categoriser takes them as features."""
    return _scores(gather_evidence(text))


def is_chatter(text: str) -> bool:
    """Praise, thanks or a sign-off with nothing to fix or discuss ("Hope that helps!")."""
    # Most sentences have no praise or chatter word at all: no need to weigh them.
    words = _WORD_RE.findall(text.lower())
    if _CHATTER_FIRST_WORDS.isdisjoint(words) and not _emoticons(text):
        return False
    evidence = gather_evidence(text)
    if evidence.praise <= 0 and evidence.chatter <= 0:
        return False
    return _best(_scores(evidence)) == "none"
