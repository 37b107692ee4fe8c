"""The rights-protection plan (维权方案): a track handled under an accepted case.

A caseworker drafts the plan (facts, the right relied on, the infringement comparison, the evidence
held and still needed, the recommended routes with their costs and time, a damages estimate); a
supervisor other than its drafters approves it or returns it; it is then issued as a numbered PDF
in the applicant's language. A revision is a new draft copying the issued one; once the revision is
issued, the one it revises is superseded. Both stay on record.

The plan is a workflow on the engine (``workflow.py``): its rule table, its door
(``services.PlanDoor``), its document (``documents.py``), its pages (``views.py``) and its API
(``app.api.plans``).
"""
