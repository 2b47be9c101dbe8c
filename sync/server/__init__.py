"""The studio server's side of desktop sync: its HTTP API for desktops (under /api/v1/)."""
