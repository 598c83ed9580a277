# ruff: noqa: RUF001 - real comments are written with Greek letters and math signs
"""A second set of hand-written findings, written in one go after the category rules were
first tuned on DEV_SET and never used to tune them since: its accuracy is the honest
estimate of how the rules carry over to comments they were not shaped on.

Longer and messier than DEV_SET on purpose, like real early-view comments: praise mixed in,
hedges, lower case, several sentences.
"""

from __future__ import annotations

HOLDOUT_SET: list[tuple[str, str]] = [
    # typo
    ("Loved it! Tiny thing, around 2:30 the slide title says 'Thermodynamcis'.", "typo"),
    ("pretty sure 'Hamiltonain' on the title card should be 'Hamiltonian'", "typo"),
    ("4:41 'equlibrium' in the caption", "typo"),
    ("There's a spelling mistake in the box on the right at 7:15, 'catalist'.", "typo"),
    ("Not a big deal but 'Reimann' is misspelled every time it shows up, it's Riemann.", "typo"),
    ("at 1:12 the text reads 'the the derivative of x'", "typo"),
    ("The heading of the last section says 'Conlusion'.", "typo"),
    ("Small typo in the final summary slide: 'dependant' should be 'dependent'.", "typo"),
    ("The graph's x-axis is labelled 'Tmie (s)'.", "typo"),
    ("In the table at 5:05 'Potasium' is missing an s.", "typo"),
    ("Just spotted 'intergral' written on screen at 9:58. Great video otherwise!", "typo"),
    ("The word 'vertices' is spelled 'verticies' in the graph theory part.", "typo"),
    # notation
    (
        "At 3:40 the matrix product is written BA but you multiply A first, should be AB?",
        "notation",
    ),
    ("The Fourier transform on screen is missing the 2π in the exponent.", "notation"),
    ("at 6:18 the variance formula divides by n but the sample version should be n-1", "notation"),
    ("I think the indices in the sum at 8:02 should run from i=1 to n, not i=0 to n.", "notation"),
    (
        "The equation for the electric field has r^2 in the numerator, it belongs in the "
        "denominator.",
        "notation",
    ),
    (
        "You use x_i for the components in one scene and x^i in the next, which is confusing.",
        "notation",
    ),
    (
        "Hmm, at 11:20 the dot product is drawn with a × symbol, which reads as a cross product.",
        "notation",
    ),
    ("The second derivative at 2:02 is written d^2y/dx but should be d^2y/dx^2.", "notation"),
    (
        "The arrow over the v is missing in the last equation, so it looks like a scalar.",
        "notation",
    ),
    ("Isn't the determinant at 7:33 ad - bc rather than ad + bc?", "notation"),
    (
        "The equilibrium arrow in the reaction should be a double arrow, not a single one.",
        "notation",
    ),
    ("Minor: the vector components are listed as (y, x) in the final formula.", "notation"),
    # narration
    ("At 5:12 you say 'perpendicular' but the lines shown are parallel.", "narration"),
    (
        "Around 3:00 you said the energy is conserved in this collision, but it's inelastic, so "
        "only momentum is.",
        "narration",
    ),
    ("Audio pops at 7:41 and 7:43, sounds like the mic got bumped.", "narration"),
    ("I think you misspoke at 12:40, you say 'base 2' but the example is base 10.", "narration"),
    ("the sentence at 2:18 is cut off, it ends in 'and so the'", "narration"),
    ("You keep saying 'hydroxide' when you mean 'hydronium' around 6:30.", "narration"),
    ("There's some background noise, like a fan, from about 9:00 until the end.", "narration"),
    ("At 4:04 you said 'the square root of 16 is 8'. Probably just a slip.", "narration"),
    ("at 10:10 you say Newton's third law but describe the second one", "narration"),
    ("The voice at 1:30 sounds like a different take, the volume jumps a lot.", "narration"),
    ("You pronounced 'Poisson' like 'poison' at 8:12, it might confuse people.", "narration"),
    ("At 14:02 you say the limit is one but the graph clearly goes to zero.", "narration"),
    # color
    ("The orange and red dots at 3:30 are really similar, especially on a phone screen.", "color"),
    ("As someone with deuteranopia, the green/brown contrast in the phase plot is tough.", "color"),
    (
        "Could the electric field lines be a different color from the magnetic ones? Both are "
        "blue.",
        "color",
    ),
    (
        "The highlight color changes from yellow to green between 2:10 and 2:40 for the same term.",
        "color",
    ),
    ("The dark purple text is almost invisible against the black background at 8:08.", "color"),
    (
        "At 5:55 the gradient shading on the surface makes it hard to see where the peak is.",
        "color",
    ),
    (
        "the two lines in the graph are both light grey, can't tell which one is sin and which "
        "is cos",
        "color",
    ),
    (
        "Consider using a colorblind-safe palette, red vs green encodes the sign in several "
        "scenes.",
        "color",
    ),
    ("The contrast on the bottom caption is quite low, white on light blue.", "color"),
    ("The proton is pink in one scene and red in another.", "color"),
    # visual
    ("At 2:22 the equation slides in over the graph and covers the intersection point.", "visual"),
    ("The fraction bar at 6:45 is too long and sticks out past the denominator.", "visual"),
    ("There's a weird one-frame flash at 4:30 right before the zoom.", "visual"),
    ("The labels on the y axis are overlapping each other at 7:10.", "visual"),
    ("The coordinate grid is slightly rotated compared to the axes.", "visual"),
    ("At 9:40 the ball goes through the floor before bouncing.", "visual"),
    ("The text at the top right is cut off on the first frame of the scene.", "visual"),
    ("Looks like the circle isn't quite centered on the origin at 3:03.", "visual"),
    ("The arrowheads are really tiny compared to the rest of the diagram at 5:20.", "visual"),
    (
        "The transition at 11:00 is a bit abrupt, the whole scene just snaps to the next one.",
        "visual",
    ),
    ("There's a faint outline of the previous graph left behind after it fades out.", "visual"),
    ("The molecules overlap each other in the crystal lattice animation, looks off.", "visual"),
    # code
    (
        "At 4:50 the for loop should be range(len(xs)) not range(len(xs) - 1), you miss the last "
        "one.",
        "code",
    ),
    ("The code at 7:07 calls sort() but uses the return value, which is None in Python.", "code"),
    ("In the snippet the variable total is never initialised before the loop.", "code"),
    ("The recursion at 9:30 never hits the base case because n goes up instead of down.", "code"),
    (
        "Small bug in the Python code: you divide by len(data) inside the loop instead of after "
        "it.",
        "code",
    ),
    (
        "The pseudocode at 3:15 swaps the if and else branches, so it returns the wrong value.",
        "code",
    ),
    ("The code shown uses a global counter that is never reset between runs.", "code"),
    (
        "At 6:40 `x == None` works but `x is None` is the idiomatic check, and the comparison on "
        "the next line is flipped.",
        "code",
    ),
    ("The function on screen is called fib but the recursive call is to fibonacci.", "code"),
    ("The numpy code reshapes to (3, 2) but the matrix you drew is 2 by 3.", "code"),
    # content
    (
        "Really enjoyed this. I'd have liked a bit more on why the eigenvectors stay on their "
        "span though.",
        "content",
    ),
    ("Might be good to point out that this only holds for small angles.", "content"),
    (
        "Why does the electron not spiral into the nucleus? That seems like the obvious question "
        "after this part.",
        "content",
    ),
    (
        "I think a visual of the unit circle next to the sine graph would make the connection "
        "click.",
        "content",
    ),
    (
        "The explanation of the chain rule was great but the product rule part went too fast for "
        "me.",
        "content",
    ),
    ("Could you maybe do a follow-up on how this is used in machine learning?", "content"),
    (
        "For the part on entropy, maybe mention that it's a statistical statement, not an "
        "absolute law.",
        "content",
    ),
    (
        "I'm not sure I get why the integral of the derivative gives back the function. Is that "
        "the fundamental theorem?",
        "content",
    ),
    (
        "It would help to show one full numerical example of Gaussian elimination before "
        "generalizing.",
        "content",
    ),
    ("What's the intuition for why the normal distribution shows up everywhere?", "content"),
    ("Wondering whether you plan to cover the complex case in the next part.", "content"),
    (
        "Nice. One thought: the section on limits could start with a picture instead of the "
        "epsilon-delta definition.",
        "content",
    ),
    (
        "Is the speed of light the same in all reference frames because of the experiment you "
        "showed, or is that an assumption?",
        "content",
    ),
    (
        "I would reorder the two examples, the second one is simpler and builds intuition for "
        "the first.",
        "content",
    ),
    # none
    ("Absolutely fantastic as always, thank you Grant!", "none"),
    ("this is going to help so many students", "none"),
    ("Patrons get the best stuff. Can't wait to share it when it's public.", "none"),
    ("That ending gave me chills.", "none"),
    ("Anyone know if there will be a part 3?", "none"),
    ("I showed this to my dad and he finally gets what I study lol", "none"),
    ("Been a patron for years, still worth every cent.", "none"),
    ("The music at the end is so calming.", "none"),
    ("Incredible work. The animations keep getting better.", "none"),
    ("Watching this at 2am instead of sleeping, no regrets.", "none"),
    ("Another masterpiece!", "none"),
    ("I watched it twice and found nothing wrong, great job.", "none"),
]
