"""The knowledge base core: data → typed records → corpus → pages, downloads, exports.

Nothing here imports MkDocs; hooks/kb_hooks.py adapts it to MkDocs events.
"""
