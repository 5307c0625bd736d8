"""Where articles come from: guarded HTTP fetching, RSS/Atom feeds and HTML extraction."""
