"""Repeat infringers: a respondent's other cases, the ranking of respondents named most often, and the
earlier cases a transfer letter lists."""
