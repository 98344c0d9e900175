"""Screens: each composes widgets and routes their messages to the service."""
