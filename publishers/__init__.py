"""Publishers, the catalog store and its migrations."""
