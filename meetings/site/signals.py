"""``tree_changed``: sent after each batch of writes to the tree has been applied.

Keyword arguments: ``written`` and ``removed``, lists of tree paths (``index.html``,
``meetings/<uuid>/index.html``…). Receivers (the Pagefind index) should queue work,
not do it inline. Sent after the database commit when writes happen inside a
transaction.
"""

from django.dispatch import Signal

tree_changed = Signal()
