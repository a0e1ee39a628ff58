"""The publishing pipeline: read, validate, build and publish releases."""
