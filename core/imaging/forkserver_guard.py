"""Preloaded by the imaging pool's forkserver, and by nothing else: the forkserver dies with the
process that started it (see ``core.imaging.pool_lifetime``)."""

from core.imaging.pool_lifetime import die_with_parent, in_forkserver

if in_forkserver():
    die_with_parent()
