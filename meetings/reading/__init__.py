"""Reading aids for every public page (issue 20).

- ふりがな: ``yomi`` gives readings (SudachiPy with its packaged dictionary, the
  admin's ``ReadingOverride`` table first, numbers with counters by rule); ``ruby``
  adds ``<ruby>`` to a rendered page; ``tree.kana_files`` writes the reading version
  of every HTML page of the publication tree under ``kana/``.
- 読み上げ: ``speech`` normalises a page's text for speaking and, where Open JTalk
  (pyopenjtalk-plus) is installed, writes an Ogg Opus file per published meeting
  under ``audio/`` (a Celery task after each publication, correction or withdrawal).
"""
