"""Prefect @flow compositions of tasks. Nothing else lives here."""
