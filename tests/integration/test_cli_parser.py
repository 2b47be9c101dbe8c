"""The command line builds only the parser of the command it runs: every command's arguments,
help and errors must be the same as with the whole parser built."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from app.cli.parser import build_parser, command_words


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def every_command() -> Iterator[tuple[str, ...]]:
    for name, parser in _subcommands(build_parser()).items():
        yield (name,)
        for sub in _subcommands(parser):
            yield (name, sub)


def parser_of(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for word in path:
        parser = _subcommands(parser)[word]
    return parser


COMMANDS = list(every_command())


def test_every_command_is_found() -> None:
    assert ("album", "show") in COMMANDS and ("sync", "drive") in COMMANDS
    assert len(COMMANDS) > 60


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_a_command_built_alone_is_the_whole_parsers(path: tuple[str, ...]) -> None:
    argv = ["--home", "/h", "--as", "a@b.test", *path]
    alone = parser_of(build_parser(argv), path)
    assert alone.format_help() == parser_of(build_parser(), path).format_help()


def test_global_options_help_and_typos_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert command_words(["--home", "album", "album", "show", "X"]) == ["album", "show"]
    assert command_words(["--help", "album"]) == []
    argv = ["--studio", "Lumen", "album", "show", "Smith", "--json"]
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))
    with pytest.raises(SystemExit):
        build_parser(["albm", "show"]).parse_args(["albm", "show"])
    assert "invalid choice: 'albm'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser(["--help"]).parse_args(["--help"])
    whole = capsys.readouterr().out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert whole == capsys.readouterr().out
