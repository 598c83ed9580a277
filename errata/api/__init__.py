"""The REST API: a thin interface over the services and selectors the pages use."""
