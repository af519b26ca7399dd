"""Which configured SMS backends reach real phones. One home for the question, asked by
the production settings check (no demo gateway in production), the simulator (open to
anyone only with the demo backend) and the process page (link to the simulator).

Plain strings and no Django import, so ``justcity/settings.py`` can ask it while the
settings are still being read.
"""

from __future__ import annotations

# Prints texts to the terminal: the `make run` demo, where the simulator is the phone.
DEMO_BACKEND = "sms.backends.console.SmsBackend"
# Keep texts in memory for tests.
TEST_BACKEND = "sms.backends.locmem.SmsBackend"


def is_demo_backend(path: str) -> bool:
    return path == DEMO_BACKEND


def delivers_texts(path: str) -> bool:
    """False for the backends that never reach a phone (demo and test)."""
    return path not in (DEMO_BACKEND, TEST_BACKEND)
