"""Gymnasium ids of the web domain."""

from a2perf.envs.registry import EnvInfo

_ENTRY = "a2perf.envs.web.env:WebNavigationEnv"
_NEEDS = "system chromium + chromedriver (apt-get install chromium chromium-driver)"

ENVS: list[EnvInfo] = [
    EnvInfo(
        id="WebNavigation-v0",
        domain="web",
        description="Form filling on generated websites in headless Chromium (kwargs: difficulty, num_websites, designs, seed)",
        entry_point=_ENTRY,
        kwargs={},
        extras=("web",),
        needs=_NEEDS,
    ),
    *[
        EnvInfo(
            id=f"WebNavigation-DifficultyLevel-{level:02d}-v0",
            domain="web",
            description=f"Web navigation, difficulty level {level} (random-agent success {bounds})",
            entry_point=_ENTRY,
            kwargs={"difficulty": level},
            extras=("web",),
            needs=_NEEDS,
        )
        for level, bounds in ((1, ">= 0.3"), (2, "in [0.05, 0.3)"), (3, "in [0.01, 0.05)"))
    ],
]
