"""Events of contribution requests, for notifications (see notes in README).

Each is sent once the transaction that caused it has committed
(``transaction.on_commit``), with ``sender=ContributionRequest`` and these keyword
arguments:

- ``contribution_requested``: ``request``, ``actor`` (the coordinator who asked).
- ``contribution_submitted``: ``request``, ``version`` (the new
  ``ContributionVersion``), ``actor`` (the department's editor).
- ``contribution_returned``: ``request``, ``comment`` (差戻しの理由), ``actor``.
- ``contribution_accepted``: ``request``, ``version`` (the version put into the
  meeting), ``actor``.

Recipients: ``services.department_members(request)`` for requested, returned and
accepted; ``services.coordinators(request)`` for submitted.
"""

from __future__ import annotations

from django.dispatch import Signal

contribution_requested = Signal()
contribution_submitted = Signal()
contribution_returned = Signal()
contribution_accepted = Signal()
