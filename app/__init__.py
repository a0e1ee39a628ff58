"""The Flask front door and the ASGI composition with Datasette."""
