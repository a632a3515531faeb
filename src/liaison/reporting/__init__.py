"""reporting context: figures for reports and the dashboard, computed from the case data."""
