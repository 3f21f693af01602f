"""Oracle policy: reads the site model and fills every core field, then advances or submits."""

from __future__ import annotations

from a2perf.envs.web.site import K_NEXT, K_RADIO, K_SUBMIT, RawObs, Site, encode_action


def oracle_action(site: Site, obs: RawObs) -> int:
    """Next oracle action for the current page.

    Fills, in document order, each core instance of the current page that is not yet visited and
    correct (typing its own profile field into it; for radios acting on the gold option), then clicks
    the page's advance/submit button. Solves every design whose ``oracle_steps`` <= the step limit.

    Args:
      site: the episode's site.
      obs: current page state (from the browser or the simulator).
    Returns:
      The flattened action index.
    """
    els = site.page_elements[obs.page]
    for inst in site.instances:
        if inst.page != obs.page:
            continue
        if inst.kind == K_RADIO:
            target = next(j for j in inst.elements if els[j].option_value == inst.gold)
            if not (obs.visited[target] and obs.values[target] == "true"):
                return encode_action(inst.field, target)
            continue
        j = inst.elements[0]
        if not (obs.visited[j] and obs.values[j] == inst.gold):
            return encode_action(inst.field, j)
    button = next(j for j, el in enumerate(els) if el.kind in (K_NEXT, K_SUBMIT))
    return encode_action(0, button)


def oracle_steps(site: Site) -> int:
    """Steps the oracle needs: one per core instance plus one button click per page."""
    return len(site.instances) + site.num_pages


class OraclePolicy:
    """The oracle as a policy on a ``WebNavigationEnv`` (possibly wrapped), e.g. for expert datasets.

    ``policy(obs) -> action`` and an sb3-style ``predict(obs) -> (action, state)``; it reads the
    env's site model, so it must be called on the env that produced ``obs``.
    """

    def __init__(self, env) -> None:
        self.env = env

    def __call__(self, obs: dict | None = None) -> int:
        return self.env.unwrapped.oracle_action()

    def predict(self, obs, state=None, episode_start=None, deterministic: bool = True):
        return self(obs), state
