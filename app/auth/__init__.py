"""Accounts: registration, login, logout, password changes and roles."""
