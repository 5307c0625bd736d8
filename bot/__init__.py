"""newsbrief: bot package."""
