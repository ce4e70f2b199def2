"""``python -m scaleuq``: the command line."""

from scaleuq.cli import main

main()
