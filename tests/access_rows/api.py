"""Access rows: none; the API has a matrix of its own (which checks that it has every route of the blueprint)."""

ROWS: list = []

COVERED_BY_BLUEPRINT = {
    "api": "tests/api/test_api_matrix.py: token-authenticated, answers JSON (401 rather than a login redirect)",
}
