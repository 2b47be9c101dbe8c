"""The studio server's sync API for desktops (mounted by the server's app)."""
