"""The journal on PostgreSQL, for a team past one host: the SQLite journal's interface."""
