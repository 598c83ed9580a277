"""A third hand-written set, written last, after all tuning, and scored once: its accuracy
is reported as is and it was not used to change any rule. Terse, chatty, non-native and
YouTube-style phrasings on yet other topics (statistics, optics, graph theory, signal
processing, organic chemistry, JavaScript, SQL, relativity).
"""

from __future__ import annotations

BLIND_SET: list[tuple[str, str]] = [
    # typo
    ("3:02 hypotesis", "typo"),
    ("the slide says 'varience' lol", "typo"),
    ("Refraction is spelled 'refration' in the heading at 1:55", "typo"),
    ("minor typo on the graph legend: Freqency", "typo"),
    ("'Dijkstra' is written 'Djikstra' at 5:10.", "typo"),
    ("The caption reads 'teh Lorentz factor'.", "typo"),
    ("there is a spelling error in the title: 'Convolution Theorm'", "typo"),
    # notation
    ("At 2:40 the standard deviation should be sigma, not sigma squared.", "notation"),
    (
        "The Lorentz factor on screen is 1/sqrt(1 + v^2/c^2); the sign inside should be minus.",
        "notation",
    ),
    (
        "the adjacency matrix at 6:20 should be symmetric but entry (2,3) differs from (3,2)",
        "notation",
    ),
    ("Snell's law is written n1 sin θ2 = n2 sin θ1, the subscripts are swapped.", "notation"),
    ("At 8:15 the convolution integral is missing the tau in f(t - τ).", "notation"),
    ("The sum in the DFT should run to N-1, not N.", "notation"),
    ("Small thing: the benzene formula shows C6H5, should be C6H6 for plain benzene.", "notation"),
    # narration
    ("At 4:05 you say 'concave' when the lens in the picture is convex.", "narration"),
    ("you said 'nodes' at 2:30 but meant 'edges'", "narration"),
    ("Audio drops out for a second at 11:12.", "narration"),
    ("The voiceover says the median is 7 but the list shows 6 as the middle value.", "narration"),
    ("At 9:45 you mispronounce 'Fourier' as 'four-ee-er'.", "narration"),
    ("There is a loud breath sound at 3:33, maybe re-record that line.", "narration"),
    ("You say 'time dilation' at 7:01 where you're describing length contraction.", "narration"),
    # color
    ("The red and green nodes in the graph look the same to me, I'm colour blind.", "color"),
    ("The light yellow curve on the white background is almost invisible.", "color"),
    ("Why is the electron blue here and red in the previous scene?", "color"),
    ("The shading of the confidence interval is too dark, it hides the data points.", "color"),
    ("The two histograms use nearly identical shades of purple.", "color"),
    (
        "maybe use a different colour for the reflected ray, it's the same orange as the "
        "incident one",
        "color",
    ),
    # visual
    ("At 3:14 the node labels overlap the edges.", "visual"),
    ("The prism animation glitches for a frame at 6:48.", "visual"),
    ("The x-axis labels are cut off at the bottom of the screen.", "visual"),
    ("The histogram bars are misaligned with the tick marks.", "visual"),
    ("There's a ghost image of the old equation behind the new one at 10:22.", "visual"),
    ("The arrow pointing to the focal point is off by a bit, it points at empty space.", "visual"),
    ("Text at the top is too small to read on a phone.", "visual"),
    # code
    (
        "The JavaScript uses == null, which also matches undefined, maybe intended but worth "
        "noting.",
        "code",
    ),
    ("In the SQL at 5:50 the JOIN has no ON clause, so it's a cross join.", "code"),
    ("Your Python loop at 2:20 appends to the list it's iterating over, infinite loop.", "code"),
    (
        "The code calls dijkstra(graph) but the function is defined as dijkstra(graph, start).",
        "code",
    ),
    ("Off-by-one in the code: range(n - 1) skips the last sample.", "code"),
    ("At 7:07 the variable mean is overwritten inside the loop, so the result is wrong.", "code"),
    # content
    (
        "Could you explain why the sample variance divides by n-1? It's the classic question.",
        "content",
    ),
    ("It would be nice to see a real prism photo next to the animation.", "content"),
    ("Why does the algorithm fail with negative edge weights? Would love an example.", "content"),
    ("I think mentioning the uncertainty principle here would help connect things.", "content"),
    ("the part about aliasing went way too fast for me", "content"),
    ("Maybe show what happens with a non-ideal lens too?", "content"),
    ("How does this relate to the Fourier transform of a Gaussian?", "content"),
    ("Consider adding a short recap of Bayes' rule before diving in.", "content"),
    # none
    ("Loved it, as always!", "none"),
    ("Sharing this with my stats class tomorrow.", "none"),
    ("This channel never disappoints.", "none"),
    ("First!", "none"),
    ("When will the full series be out?", "none"),
    ("I paused the video just to say thank you.", "none"),
    ("Haha the pi creature's face at the end", "none"),
    ("Can't believe this is free. Thank you!", "none"),
]
