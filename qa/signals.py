"""What qa tells the rooms that build on it (automated QA scoring among them)."""

from django.dispatch import Signal

# A recording's transcript is done: sent once, after the commit that marks it DONE with
# its utterances, with `transcript` (qa.models.Transcript). Receivers enqueue their work.
transcript_completed = Signal()
