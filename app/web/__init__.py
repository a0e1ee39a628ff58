"""The ASGI composition around Flask and Datasette: response cache, buffering, headers, server."""
