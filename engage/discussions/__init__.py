"""Forum pages; discussion threads, moderation and engagement events arrive with their issue."""
