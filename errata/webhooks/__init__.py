"""Webhooks: a team's URLs hear about comments and errata, signed, retried, replayable."""
