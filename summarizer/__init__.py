"""newsbrief: summarizer package."""
