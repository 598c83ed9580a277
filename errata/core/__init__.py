"""What every feature package shares: the membership rule, the queue, domain events, errors,
and small query and text helpers. It imports no feature package.
"""
