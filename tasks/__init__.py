"""Thin Prefect @task wrappers around cert_core: retries, tags, cache policy, timeouts."""
