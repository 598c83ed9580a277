"""What comes in and goes out as files: comment imports (Patreon, CSV, YouTube), checklist
exports, and the jobs that run the large ones.
"""
