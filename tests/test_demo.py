"""The demo's pipeline on one domain with tiny budgets: every metric family ends up in the site."""

from rich.console import Console

from a2perf.demo import DEMO_DOMAINS, DemoDomain, run_demo
from a2perf.results import load_results


def test_demo_pipeline_on_chip_toy(tmp_path):
    chip = DEMO_DOMAINS[0]
    assert chip.env_id == "CircuitTraining-ToyMacro-v0"
    tiny = DemoDomain(
        chip.env_id,
        chip.algo,
        timesteps=256,
        episodes=2,
        overrides={**chip.overrides, "eval_freq": 64, "checkpoint_freq": 64},
        env_kwargs=chip.env_kwargs,
        tasks=["toy"],
        dataset={**chip.dataset, "episodes": 10},
        bc_overrides={"gradient_steps": 50, "n_eval_episodes": 2},
    )
    console = Console(file=(tmp_path / "console.txt").open("w"), width=120)
    index = run_demo(tmp_path / "demo", console, domains=(tiny,))
    assert index.is_file() and index.name == "index.html"
    results = {r.name: r for r in load_results([tmp_path / "demo" / "results"])}
    assert set(results) == {"random", chip.algo, "bc"}
    trained, random, bc = results[chip.algo], results["random"], results["bc"]
    for result in results.values():
        assert result.status == "ok"
        assert result.aggregates.returns is not None and result.aggregates.latency is not None
        assert result.aggregates.rollout_reliability is not None
        assert result.manifest.energy_mode
    assert [t.task for t in trained.aggregates.generalization.tasks] == ["toy"]
    assert trained.aggregates.training_reliability is not None
    assert "train" in trained.aggregates.system and trained.aggregates.system["train"].energy_kwh is not None
    assert bc.aggregates.data_cost is not None and bc.aggregates.data_cost.energy_kwh > 0
    assert random.algorithm == "random" and len(random.per_seed) == 2
    text = index.read_text()
    assert "bc" in text and "random" in text
