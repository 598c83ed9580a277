"""The Errata app (label `errata`): feature packages over one model package.

See docs/DESIGN.md, "Where things live", for the packages and the rule of their imports.
"""
