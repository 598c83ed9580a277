"""YouTube: a cut connected to a published video pulls its comments and captions."""
