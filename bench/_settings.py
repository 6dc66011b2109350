"""Settings of the servers bench/webhook.py starts: the project's, plus one constant view.

Everything else (database, DEBUG, PUBLIC_BASE_URL...) comes from the environment exactly as
in production; only the URLconf differs, to add the constant-TwiML baseline.
"""

from callcenter.settings import *  # noqa: F403 (the project's settings, unchanged)

ROOT_URLCONF = "_baseline_urls"
