"""Build the optional compiled motor loop of the quadruped env (metadata lives in pyproject.toml).

``optional=True``: without a C compiler the install still succeeds and the env runs its pure-Python
loop (bit-identical results, slower); ``a2perf.envs.quadruped.sim.pd_loop_status()`` says which is used.
"""

import sys

from setuptools import Extension, setup

ext_modules = []
if sys.platform != "win32":  # the loop is a pybullet plugin loaded with dlopen
    ext_modules.append(
        Extension(
            "a2perf.envs.quadruped._pdloop",
            ["a2perf/envs/quadruped/_pdloop.c"],
            extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            libraries=["dl"] if sys.platform.startswith("linux") else [],
            optional=True,
        )
    )

setup(ext_modules=ext_modules)
