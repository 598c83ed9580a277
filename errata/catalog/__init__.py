"""Videos, cuts, scenes and their spans on each cut's timeline."""
