"""The three a2perf domains: chip floorplanning, web navigation, quadruped locomotion."""

from a2perf.envs.registry import EnvInfo, all_env_infos, register_envs

__all__ = ["EnvInfo", "all_env_infos", "register_envs"]
