"""A shell completion script: verbs, options, and the names of the testbeds that are up.

    eval "$(testbed completion bash)"                     # in ~/.bashrc
    testbed completion zsh > ~/.zfunc/_testbed             # with fpath+=~/.zfunc in ~/.zshrc
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "tcsh")
# testbed names come from `testbed ls -q` when the user presses Tab
PREAMBLE = {
    "bash": '_testbed_names() { compgen -W "$(testbed ls -q 2>/dev/null)" -- "$1"; }\n',
    "zsh": "_testbed_names() { local -a names; names=(${(f)\"$(testbed ls -q 2>/dev/null)\"}); "
           "_describe 'testbed' names }\n",
}
NAMES = {"bash": "_testbed_names", "zsh": "_testbed_names"}


def add_parser(p) -> None:
    p.add_argument("shell", choices=SHELLS)


def mark_names(parser: argparse.ArgumentParser) -> None:
    """Every testbed-name argument (`--name`, `show NAME`, `down NAME`) completes to names."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for verb, sub in action.choices.items():
                mark_names(sub)
                for a in sub._actions:
                    if a.dest in ("name", "testbed") and verb != "up":
                        a.complete = NAMES  # type: ignore[attr-defined]


def run(args) -> int:
    import shtab

    parser = args.root_parser  # the whole command line's parser (cli.build_parser gives it)
    mark_names(parser)
    print(shtab.complete(parser, shell=args.shell, preamble=PREAMBLE))
    return 0
