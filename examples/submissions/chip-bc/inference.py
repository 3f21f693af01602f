"""Act with the cloned SB3 policy; honours the env's action mask when it has one."""

from pathlib import Path

from train import RUN


class Policy:
    def __init__(self, sb3_policy, env):
        self.sb3_policy = sb3_policy
        self.env = env

    def act(self, observation):
        from a2perf.policies import action_mask

        return self.sb3_policy.act(observation, action_mask(self.env))


def load_policy(env, root_dir=None, **kwargs):
    """Load ``<root_dir>/bc-run/model.zip`` with the SB3 class recorded in its run.json."""
    from a2perf.baselines.rundir import load_run
    from a2perf.policies import load_sb3_policy

    run = Path(root_dir or ".") / RUN
    info = load_run(run)
    return Policy(load_sb3_policy(run / "model.zip", algo=info.sb3_class), env)


def preprocess_observation(observation):
    return observation


def infer_once(policy, preprocessed_observation):
    return policy.act(preprocessed_observation)
