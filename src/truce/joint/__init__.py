"""Joint action: one member shares a threat and asks another to act on it."""
