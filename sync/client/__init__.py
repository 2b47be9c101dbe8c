"""A desktop's side of the studio server: signing in, keeping the device token, syncing."""
