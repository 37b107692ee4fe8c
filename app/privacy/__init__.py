"""Personal information handled as the Personal Information Protection Law asks: the privacy notice and
consent, an applicant's own data exported, accounts closed on request, personal fields anonymised after
the retention period, and the staff's reads of personal data logged."""
