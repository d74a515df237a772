"""One module per panel; each is built as ``Panel(session)`` and can be previewed on its own."""
