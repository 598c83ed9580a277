"""Teams without the admin: a creator starts a team, invites people by email with a role (the
invitation expires and is accepted or declined once), and each member picks a time zone. Also
how django-allauth makes accounts here (accounts.py)."""
