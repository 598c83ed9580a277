"""Triage's output stored: findings, their lookup tokens and duplicate groups; the inbox."""
