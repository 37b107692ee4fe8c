"""Centres: the tree of assistance centres, their settings and scope."""
