"""The CLI's frame: a subcommand is its help, its arguments and the function that runs it, declared
together (`@command`), and `python -m training.emotion` is a table of them. A command imports what it
runs when it runs, so `--help` loads no deep-learning backend."""

import argparse
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROG = "python -m training.emotion"
# Every --help shows each option's default.
HELP_FORMAT = argparse.ArgumentDefaultsHelpFormatter

# The parsed arguments -> the exit status (None: 0). `args.invocation` is the command line as typed.
Handler = Callable[[argparse.Namespace], int | None]


@dataclass(frozen=True)
class Arg:
    """One `add_argument`: its flags and its options."""

    flags: tuple[str, ...]
    options: dict[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    summary: str
    arguments: tuple[Arg, ...]
    run: Handler


def command(summary: str, *arguments: Arg) -> Callable[[Handler], Command]:
    """`@command("what it does", arg(...), ...)` over a handler: that handler as a subcommand."""

    def declare(run: Handler) -> Command:
        return Command(summary, arguments, run)

    return declare


def parser(commands: dict[str, Command], *, description: str | None) -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog=PROG, description=description, formatter_class=HELP_FORMAT)
    sub = root.add_subparsers(dest="command", required=True)
    for name, declared in commands.items():
        one = sub.add_parser(name, help=declared.summary, formatter_class=HELP_FORMAT)
        for argument in declared.arguments:
            one.add_argument(*argument.flags, **argument.options)
        one.set_defaults(handler=declared.run)  # not `run`: ship and unshard take a --run
    return root


def run(commands: dict[str, Command], argv: list[str], *, description: str | None) -> int:
    args = parser(commands, description=description).parse_args(argv)
    args.invocation = f"{PROG} {shlex.join(argv)}"
    status: int | None = args.handler(args)
    return status or 0
