"""The patrons' side: review links, the people who comment, their comments and "me too"s."""
