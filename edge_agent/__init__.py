"""Hlídka edge agent: runs at one school entrance."""
