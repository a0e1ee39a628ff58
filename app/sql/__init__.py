"""The SQL API: Datasette mounted under /sql/ over every dataset's latest release (see `mount`)."""
