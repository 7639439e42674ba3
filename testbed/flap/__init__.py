"""MAC flapping on the ToR under concurrent East/West flows, per routing mode."""
