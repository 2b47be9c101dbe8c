"""Sending the studio's e-mail over SMTP: the one place that talks to a mail server."""
