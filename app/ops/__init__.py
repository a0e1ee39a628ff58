"""Operations: /healthz, /readyz, /metrics and one log line per request (docs/monitoring.md).

The middleware (app/ops/middleware.py) wraps the whole ASGI app; the domain counts are made at
the app-level call sites through app/ops/metrics.py, which imports nothing of the portal.
"""
