"""What qa tells the rooms that build on it (automated QA scoring among them)."""

from django.dispatch import Signal

# A recording's transcript is done: sent once, after the commit that marks it DONE with
# its utterances, with `transcript` (qa.models.Transcript). Receivers enqueue their work.
transcript_completed = Signal()

# A post-call survey was answered (all its questions, or some before the caller hung up):
# sent once per survey, after the commit that closes it, with `survey` (qa.models.Survey).
# The evaluations' sampling (a low CSAT answer) listens.
survey_answered = Signal()

# A phone survey's spoken comment was recorded at Twilio: sent once, after the commit that
# keeps its URL, with `survey`; its media is fetched into our storage next.
survey_comment_recorded = Signal()
