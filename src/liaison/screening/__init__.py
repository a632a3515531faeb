"""Watchlist screening: list versions, biographic and biometric screening of encounters,
screening cases under the analysts' protocol, and re-screening campaigns."""
