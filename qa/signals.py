"""What qa tells the rooms that build on it (automated QA scoring among them)."""

from django.dispatch import Signal

# A recording's transcript is done: sent once, after the commit that marks it DONE with
# its utterances, with `transcript` (qa.models.Transcript). Receivers enqueue their work.
transcript_completed = Signal()

# A caller answered a post-call survey question: sent after the commit that saves the
# answer, with `call` (telephony.models.Call) and `answer` (1-5). Evaluation sampling's
# low-CSAT rules listen.
survey_answered = Signal()
