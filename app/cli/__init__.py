"""The `otkrito` command line: its entry is `app.cli.commands.main` (and `python -m app.cli`)."""
