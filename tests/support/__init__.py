"""Test support: fakes that are real (loopback servers), never unittest.mock."""
