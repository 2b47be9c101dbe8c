"""PhotoFlow's composition root and command line."""

# The one place the version is written: pyproject.toml reads it from here, and `photoflow
# --version` prints it without importing the package metadata machinery.
__version__ = "0.1.0"
