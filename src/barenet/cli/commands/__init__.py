"""One module per ``barenet`` subcommand.

Each module defines ``HELP`` (one line), ``ORDER`` (its place in ``--help``),
``configure(parser)`` to add its arguments and ``run(args) -> int``. The CLI finds the
modules here by name, so adding a command never edits a shared file.
"""
