"""newsbrief: news package."""
