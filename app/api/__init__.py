"""The integration API (v1) of ../shared/API.md: another door onto the same services."""
