"""Connectors: one package per upstream. Only the composition root picks concrete ones."""
