"""The directory of enforcement agencies a centre refers leads to (DOMAIN.md "Agencies")."""
