"""Observations of what the network did: ping results, captured packets."""
