"""Which story an article joins: content hashes, near-duplicates and same-event grouping."""
