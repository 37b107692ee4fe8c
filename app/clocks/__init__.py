"""Service clocks ("quick response, quick handling, quick feedback"), the working-day calendar
an administrator completes, the SLA scan, "my work" and the escalation board."""
