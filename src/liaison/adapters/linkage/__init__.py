"""Record linkage on DuckDB (and Splink): preparing names, campaigns, encounter scoring."""
