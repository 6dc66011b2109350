"""Automated QA: every transcribed call scored against the rules (qa.models.QaRule)."""
