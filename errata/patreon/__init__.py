"""Patreon: signing in with it (django-allauth's provider, at the address PATREON_BASE_URL
names), and the tier gate of review links: is this account a member of the creator's campaign,
entitled to a tier of at least the link's minimum? Asked of the API v2 identity endpoint with the
patron's own token, and cached (PatreonMembershipCheck) until it expires."""
