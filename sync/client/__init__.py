"""The desktop's side of syncing with a studio server."""
