"""Test helpers every workflow on the engine feeds with its own tables.

- ``matrix``: state × action × role, each cell checked through the page's ``available_actions``
  and through the one door, against a table the feature writes by hand (never computed from its
  rule table);
- ``stateful``: a Hypothesis state machine driving the one door with random people, actions,
  comments, data and versions, against the feature's oracle.
"""
