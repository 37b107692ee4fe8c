"""Administration: centres, staff accounts and centre settings."""
