"""The journal: one SQLite file per live deployment or drill run, the record of everything."""
