"""The shared core: database, scope, permissions, errors, i18n, security."""
