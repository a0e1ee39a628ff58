"""`python -m app.cli` is the `otkrito` command (the tests and benchmarks run it this way)."""
from app.cli.commands import main

main()
