"""Vínculo: people-first B2B client relationships."""
