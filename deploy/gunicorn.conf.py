"""gunicorn settings (``gunicorn -c deploy/gunicorn.conf.py crisis_meetings.wsgi``).

The application is loaded once in the master, which builds the public search's
index (``meetings.search.index.warm``) before forking the workers: they start with
it, share its arrays (about 75 MB for 10,000 meetings) instead of building one each
at their first search (seconds), and a worker started later (``max_requests``, a
crash) inherits it too. Each worker then follows publications with a small delta.
Bind address and worker count stay on the command line (``--bind``, ``--workers``).
"""

preload_app = True


def when_ready(server):  # noqa: ARG001 - gunicorn's hook signature
    from meetings.search.index import warm

    warm()
