"""The SQLite store of the command line: sessions and calls shared by processes."""
