"""What every block shares, and nothing domain-specific."""
