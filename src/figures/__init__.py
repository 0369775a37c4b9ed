"""Compute the tables, figures and numbers of the living review from ``data/``.

Data flows one way: ``dataset`` (load and validate) -> ``stats`` -> ``tables`` / ``charts`` ->
``render`` (one display path for the HTML and PDF editions) -> the chapters in ``book/``.
"""
