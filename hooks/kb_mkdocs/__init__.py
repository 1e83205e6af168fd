"""The MkDocs and Material adapter: everything that knows of MkDocs lives here.

events.py   the MkDocs events (hooks/kb_hooks.py re-exports them for mkdocs.yml)
frames.py   rendered theme frames shared by record pages (speed)
serve.py    `mkdocs serve` with bad data: last good site and a problems banner

The core (hooks/kb) gives this adapter rendered pages and files (kb.site.Site.build) and
imports nothing of MkDocs; another site generator would get a package beside this one.
"""
