"""operations context: emergency declarations, recorded 287(g) agreements, personnel
deployments, operation targets and detention capacity."""

__all__: list[str] = []
