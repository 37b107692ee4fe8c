"""Fast mediation of patent disputes (专利侵权纠纷快速调解): a track handled under an accepted case.

The mediation is a workflow on the engine (``workflow.py``): its rule table, its door
(``services.MediationDoor``), its clocks (the respondent's reply window, the fast deadline,
judicial confirmation and performance), its documents (the agreement and the termination
notice) and its pages and API.
"""
