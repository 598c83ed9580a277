"""Throughput and memory of the triage engine on generated review comments.

    .venv/bin/python bench/triage.py                      # 100,000 comments, 100,000 findings
    .venv/bin/python bench/triage.py --comments 5000 --findings 5000   # a quick run

(a) `triage_comment` (timestamps, splitting, categories, corrections) over N comments on one
    core: comments per second and peak traced memory, with the learned categoriser (what the
    app uses) beside the rule engine alone (the baseline it replaced), in the same run.
(b) `group_findings` over N findings of one cut: seconds and peak traced memory.

Aims: >= 5,000 comments/s; grouping 100,000 findings in < 60 s and < 1 GiB.

Comments are built by a seeded generator that mixes templates the way real early-view
comments mix them: a greeting, one to four points each with a timestamp in one of the
formats people write (or none), praise, suggestions, a sign-off. Findings for grouping are
paraphrased reports of a pool of distinct problems, jittered in time, plus suggestions and
praise that match nothing.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from errata.triage import triage_comment
from errata.triage.duplicates import GroupingItem, group_findings
from errata.triage.model import current_model, use_model
from errata.triage.timestamps import format_time

DURATION_S = 1200.0

_T = TypeVar("_T")

WORDS = [
    ("maybe", "mabye"),
    ("receive", "recieve"),
    ("separate", "seperate"),
    ("length", "lenght"),
    ("probability", "probabilty"),
    ("temperature", "tempature"),
    ("convergence", "convergance"),
    ("definitely", "definately"),
    ("occurred", "occured"),
    ("gradient", "gradeint"),
]
NUMBER_WORDS = ["one", "two", "three", "ten", "twenty", "half a"]
GREETINGS = ["", "", "", "Hi Grant, some thoughts: ", "Great video! ", "Hey! ", "Loved it. "]
SIGN_OFFS = ["", "", "", " Hope that helps!", " Keep up the great work!", " Thanks!", " Cheers"]
PRAISE = [
    "This is awesome!",
    "Beautiful animations as always.",
    "Can't wait for the next part!",
    "Really enjoyed this one, thank you.",
    "Best explanation of this topic I've seen.",
]
CHATTER = [
    "Is this going on YouTube this week?",
    "Anyone else here from the physics discord?",
    "I'm curious, why Fridays? Does it get more views?",
]
SUGGESTIONS = [
    "It might be worth mentioning why the {thing} matters here.",
    "Could you add a concrete example of the {thing} before the proof?",
    "I got a bit lost at the part about the {thing}, maybe slow down?",
    "Why does the {thing} have to be normalised? That wasn't clear to me.",
]
THINGS = [
    "determinant",
    "eigenvector",
    "gradient",
    "wavefunction",
    "integral",
    "bias",
    "limit",
    "derivative",
    "matrix",
    "vector field",
    "probability",
    "entropy",
    "sigmoid",
    "loop",
    "recursion",
    "tangent line",
    "unit circle",
    "Fourier series",
    "dot product",
    "pendulum",
]
DEVICES = [
    "",
    "",
    " Watching on my phone.",
    " (on a tablet)",
    " Seen on the TV app.",
    " Chrome, 1080p.",
]
ASIDES = [
    "",
    "",
    "",
    "",
    " I think.",
    " (could be wrong)",
    " Minor, but worth fixing.",
    " Not a big deal.",
    " Took me a second to notice.",
    " Sorry if someone said this already.",
    " Probably just me.",
    " Easy to miss.",
]
PROBLEMS = [
    'it should be "{right}" instead of "{wrong}".',
    "the label says '{wrong}', typo.",
    "you say 'between 0 and {n}' but it should be 0 and {m}.",
    "the {thing} overlaps with the axis label.",
    "the red and green curves are hard to tell apart.",
    "the exponent should be -x^2/2, the sign is flipped.",
    "the loop uses range(1, n) so it skips the first element.",
    "there's a flicker when the {thing} fades in.",
    "the audio cuts out for a second.",
    "the subscript on w_{{0,n}} should be k.",
]


def _timestamp(rng: random.Random, seconds: float) -> str:
    clock = format_time(seconds)
    whole = int(seconds)
    style = rng.randrange(14)
    if style == 0:
        return f"@{whole}"
    if style == 1:
        return f"around {clock}"
    if style == 2:
        return f"{clock}ish"
    if style == 3:
        return f"at {clock}"
    if style == 4:
        return f"timestamp: {clock}\n\n"
    if style == 5:
        return f"{whole // 60} min {whole % 60} s"
    if style == 6:
        return f"from {clock} to {format_time(seconds + rng.randrange(3, 20))}"
    if style == 7:
        return f"https://youtu.be/abc123?t={whole}"
    if style == 8:
        return f"at around {rng.choice(NUMBER_WORDS)} minute in"
    if style == 9:
        return f"{whole} seconds in"
    if style == 10:
        return f"{clock} -"
    return clock


def _point(rng: random.Random) -> str:
    right, wrong = rng.choice(WORDS)
    n = rng.randrange(5, 12)
    template = rng.choice(PROBLEMS + SUGGESTIONS)
    text = template.format(right=right, wrong=wrong, n=n, m=n - 1, thing=rng.choice(THINGS))
    text += rng.choice(ASIDES)
    if rng.random() < 0.8:
        text = f"{_timestamp(rng, rng.uniform(5, DURATION_S - 30))} {text}"
    return text[0].upper() + text[1:]


def make_comment(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        return rng.choice(PRAISE)
    if kind < 0.25:
        return rng.choice(CHATTER)
    points = " ".join(_point(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))))
    return f"{rng.choice(GREETINGS)}{points}{rng.choice(SIGN_OFFS)}"


PROBLEM_POOL: list[tuple[float, str]] = []


def make_findings(rng: random.Random, count: int) -> list[GroupingItem]:
    # A pool of distinct problems, each with a place in the cut and a way to describe it.
    problems = PROBLEM_POOL
    problems.clear()
    for index in range(max(50, count // 150)):
        right, wrong = WORDS[index % len(WORDS)]
        template = PROBLEMS[index % len(PROBLEMS)]
        problems.append(
            (
                rng.uniform(5, DURATION_S - 5),
                template.format(
                    right=right,
                    wrong=f"{wrong}{index}",
                    n=index % 20 + 2,
                    m=index % 20 + 1,
                    thing=rng.choice(THINGS),
                ),
            )
        )
    items = []
    for key in range(count):
        roll = rng.random()
        if roll < 0.15:
            text, at = rng.choice(PRAISE), None
        elif roll < 0.35:
            text = rng.choice(SUGGESTIONS).format(thing=rng.choice(THINGS))
            text += f" (e.g. the {rng.choice(THINGS)} at step {rng.randrange(1, 500)})"
            at = rng.uniform(0, DURATION_S) if rng.random() < 0.5 else None
        else:
            at, description = rng.choice(problems)
            lead = rng.choice(("", "Small thing: ", "I think ", "Also, ", "Noticed that "))
            text = lead + description + rng.choice(ASIDES) + rng.choice(DEVICES)
            at = at + rng.uniform(-5, 5) if rng.random() < 0.85 else None
        items.append(GroupingItem(key=key, text=text, timestamp_s=at))
    return items


def _timed(function: Callable[[], _T]) -> tuple[_T, float]:
    gc.collect()
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def _cpu_timed(function: Callable[[], _T]) -> tuple[_T, float, float]:
    """The result, wall seconds and this process's CPU seconds: on a shared machine the wall
    clock also counts time spent waiting for a core, the CPU time only time spent on one."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - start, time.process_time() - cpu


def _traced_peak(function: Callable[[], object]) -> int:
    """Peak memory allocated while `function` runs (tracemalloc; slow, so run separately)."""
    _clear_caches()
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _clear_caches() -> None:
    from errata.triage import categories, corrections, features, grouping_tokens, model

    categories._TOKEN_INFO.clear()
    shipped = model.current_model()
    if shipped is not None:
        shipped._pieces.clear()
    for cached in (
        features.text_features,
        features.char_ngrams,
        corrections.extract_correction,
        model._suggest_cached,
        categories.suggest_category,
        categories.gather_evidence,
        categories._fuzzy_cue,
        categories._singular,
        grouping_tokens.place_tokens,
        grouping_tokens.correction_of,
        grouping_tokens.index_tokens,
        grouping_tokens.content_terms,
        grouping_tokens.keyword_tokens,
        grouping_tokens._singular,
    ):
        cached.cache_clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    comments = [make_comment(rng) for _ in range(args.comments)]
    distinct = len(set(comments))
    findings = make_findings(rng, args.findings)
    distinct_findings = len({f.text for f in findings})

    def triage(texts: list[str]) -> Callable[[], int]:
        return lambda: sum(len(triage_comment(t, duration_s=DURATION_S)) for t in texts)

    shipped = current_model()
    if shipped is None:
        sys.exit("No model file: run `manage.py train_triage` first.")
    # The baseline: the same triage with the rule engine categorising (no model file).
    use_model(None)
    _clear_caches()
    rules_found, rules_s, rules_cpu = _cpu_timed(triage(comments))
    use_model(shipped)
    _clear_caches()
    found, triage_s, triage_cpu = _cpu_timed(triage(comments))
    # Triage holds nothing from one comment to the next but bounded caches, so its peak is
    # reached early: trace a sample rather than slow the whole run down several times.
    sample = comments[: min(len(comments), 20_000)]
    triage_peak = _traced_peak(triage(sample))

    def group_all() -> list[object]:
        return group_findings(findings)

    _clear_caches()
    labels, group_s = _timed(group_all)
    sizes = Counter(labels)
    groups = len(sizes)
    shared = sum(1 for size in sizes.values() if size > 1)
    del labels
    group_peak = _traced_peak(group_all)

    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = args.comments / triage_cpu if triage_cpu else float("inf")
    rules_rate = args.comments / rules_cpu if rules_cpu else float("inf")
    print(f"triage_comment: {args.comments:,} comments ({distinct:,} distinct texts)")
    print(f"  findings produced       {found:,} (rules: {rules_found:,})")
    print(
        f"  time                    {triage_s:.2f} s wall, {triage_cpu:.2f} s CPU on one core "
        f"(rules: {rules_s:.2f} s wall, {rules_cpu:.2f} s CPU)"
    )
    print(f"  throughput, learned     {rate:,.0f} comments per CPU second   (aim >= 5,000)")
    print(f"  throughput, rules only  {rules_rate:,.0f} comments per CPU second   (baseline)")
    print(f"  learned / rules         {rate / rules_rate:.2f}")
    print(
        f"  peak traced memory      {triage_peak / 2**20:.1f} MiB   (over {len(sample):,} comments)"
    )
    print(
        f"group_findings: {args.findings:,} findings of one cut "
        f"({distinct_findings:,} distinct texts)"
    )
    print(
        f"  groups                  {groups:,} ({shared:,} with more than one report; the "
        f"generator drew reports from {len(PROBLEM_POOL):,} distinct problems)"
    )
    print(f"  time                    {group_s:.2f} s   (aim < 60 s)")
    print(f"  peak traced memory      {group_peak / 2**20:.1f} MiB   (aim < 1024 MiB)")
    print(f"process peak RSS          {rss_mib:.0f} MiB")


if __name__ == "__main__":
    main()
