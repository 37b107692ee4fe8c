"""Referral of leads to administrative enforcement (线索移送), followed to the agency's outcome."""
