"""Hardware-in-the-loop simulator for Hlídka."""
