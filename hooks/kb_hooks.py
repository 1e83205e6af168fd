"""The file mkdocs.yml names under `hooks:`. MkDocs calls the on_* functions of this module;
they are the adapter's (hooks/kb_mkdocs/events.py). Leaving MkDocs means replacing kb_mkdocs."""
from kb_mkdocs.events import (  # noqa: F401
    on_build_error,
    on_config,
    on_env,
    on_files,
    on_page_content,
    on_page_markdown,
    on_post_build,
    on_post_page,
    on_post_template,
    on_serve,
    on_shutdown,
    on_startup,
)
