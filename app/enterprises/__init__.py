"""Enterprises: registration, size class, flags and membership."""
