"""Use cases. Each takes a Session, flushes and never commits; no Flask here."""
