"""bench_login_flood.py's baseline: the app's settings with django-axes switched off,
as the login was before issue 10. Never used by the app."""

from crisis_meetings.settings import *  # noqa: F403

AXES_ENABLED = False
