"""`photoflow server init --db URL [--json]`: make a studio's PostgreSQL ready for the server
(roles, migrations, grants; app/server_setup.py) and print the URL the server is to use."""

from __future__ import annotations

import argparse


async def server_init(args: argparse.Namespace, as_json: bool) -> int:
    from app.cli.output import emit
    from app.server_setup import init_server_database

    done = await init_server_database(args.init_db, new_password=args.new_password)
    data = {
        "app_url": done.app_url,
        "app_role": done.app_role,
        "owner_role": done.owner_role,
        "created": done.created,
        "password_set": done.password_set,
    }
    if done.password_set:
        text = (
            f"The studio database is ready. Start the server with:\n"
            f"  photoflow server --db {done.app_url}"
        )
    else:
        text = (
            f"The studio database is ready (roles kept, migrations and grants brought up to "
            f"date). The server's URL is unchanged: {done.app_url} with the password given "
            f"before; --new-password sets a new one."
        )
    emit(data, text, as_json)
    return 0
