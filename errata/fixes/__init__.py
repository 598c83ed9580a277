"""Errata: created from findings, edited, merged, moved along their statuses, carried to a new cut;
the board, an erratum's page and its reporters.
"""
