"""On-site visits (上门服务): plans, visit records, follow-ups, problems turned into cases, compliance."""
