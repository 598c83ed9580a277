"""The creator studio. Every page is scoped to the signed-in user's teams: another team's video is
a 404, and someone in no team (a patron who signed in) is refused with a 403. A plain form post
is redirected back with a message, so every action also works without JavaScript.
"""
