"""What the pages are built from, in memory: the live model fed event by event (`live.py`), each country's
verified suppliers in rank order (`standings.py`), text search (`search.py`), how buyers' sectors and regions are
named and grouped (`taxonomy.py`), and every figure a page shows, defined once (`figures.py`). Imports no I/O."""
