"""The pack-quality suite: leave-one-module-out convention recall on real codebases.

Run it with ``python -m benchmarks.quality.run``; see ``benchmarks/quality/README.md``.
"""
