"""Closing the loop by email: reporters hear what became of their reports, team members get
digests of new comments. Every message is first a Notification row (the outbox).
"""
