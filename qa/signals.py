"""Signals qa sends: a transcript is done (its utterances saved), for automated QA."""

from django.dispatch import Signal

# Sent with transcript=<qa.models.Transcript> once a transcript is DONE, inside the
# transaction that saved it; receivers defer their work to after the commit.
transcript_completed = Signal()
