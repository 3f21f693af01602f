"""The quadruped domain."""
