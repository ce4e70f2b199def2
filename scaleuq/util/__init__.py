"""Small helpers with no physics: atomic file writes."""
