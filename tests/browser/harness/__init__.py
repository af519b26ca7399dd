"""The browser suite's harness, wired together by ``tests/browser/conftest.py``:

- ``server``: the site under test (daphne in a child process) and its database;
- ``browsing``: Chromium, and the pages a test opens in it;
- ``axe``: the accessibility audit (axe-core);
- ``prerequisites``: what to do when the machine lacks a browser or axe-core;
- ``paths``: where the harness reads and writes files.
"""
