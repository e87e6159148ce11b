"""The ``barenet`` command line: ``main.py`` is the entry point, ``commands/`` holds one module per subcommand.

This is an edge of the house: it may import every other part, and nothing imports it.
Each command module imports what it needs inside ``run``, so ``barenet --help`` stays fast.
"""
