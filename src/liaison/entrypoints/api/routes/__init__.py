"""Routers, one module a capability."""
