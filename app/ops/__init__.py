"""Running the system for real: backups and restores, health and readiness, structured logs."""
