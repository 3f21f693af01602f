"""The web navigation domain: form filling on generated websites in headless Chromium.

Importing this package does not import selenium or gymnasium; the env lives in ``env.py``.
"""

from a2perf.envs.web.tasks import generalization_tasks

__all__ = ["generalization_tasks"]
