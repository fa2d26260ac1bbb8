"""Shared test utilities (importable because tests/ is on sys.path via tests/conftest.py)."""
