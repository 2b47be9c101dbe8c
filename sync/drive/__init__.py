"""Google Drive: the client layer (remote, client, connect) and the two-way sync built on it."""
