"""Widgets: one per module; they post messages up and never call the service."""
