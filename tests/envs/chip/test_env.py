import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import a2perf  # noqa: F401  (registers the ids)
from a2perf.envs.chip.env import CircuitEnv
from a2perf.envs.chip.errors import InfeasibleActionError, PlacementError
from a2perf.envs.chip.registration import ENVS, generalization_tasks
from a2perf.errors import ConfigError, DataNotFoundError


def _run(env, seed=0, pick=0):
    obs, _ = env.reset(seed=seed)
    rewards, infos, observations = [], [], [obs]
    while True:
        legal = np.flatnonzero(env.unwrapped.action_masks())
        obs, r, term, trunc, info = env.step(int(legal[pick % len(legal)]))
        rewards.append(r)
        infos.append(info)
        observations.append(obs)
        assert not trunc
        if term:
            return rewards, infos, observations


def test_registered_ids():
    ids = {info.id for info in ENVS}
    assert ids == {"CircuitTraining-ToyMacro-v0", "CircuitTraining-Synthetic-v0", "CircuitTraining-Ariane-v0"}
    assert all(i in gym.registry for i in ids)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_grid_size": 128, "output_all_features": True, "max_num_nodes": 3500, "max_num_edges": 42000}],
)
def test_toy_check_env(kwargs):
    env = gym.make("CircuitTraining-ToyMacro-v0", render_mode="rgb_array", **kwargs)
    check_env(env.unwrapped)
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


def test_toy_episode_semantics():
    env = gym.make("CircuitTraining-ToyMacro-v0")
    rewards, infos, observations = _run(env)
    assert len(rewards) == 2  # one step per hard macro
    assert rewards[0] == 0.0
    last = infos[-1]
    assert rewards[-1] == pytest.approx(-last["proxy_cost"])
    assert last["proxy_cost"] == pytest.approx(
        last["wirelength_cost"] + last["density_cost"] + 0.5 * last["congestion_cost"]
    )
    # first macro is MR (equal areas: higher index first), graph node 1
    assert observations[0]["current_node"][0] == 1
    assert observations[1]["is_node_placed"][1] == 1 and observations[1]["is_node_placed"][0] == 0
    assert observations[-1]["mask"].sum() == 0


def test_a2perf_padding_layout():
    env = CircuitEnv(preset="toy", max_grid_size=128)
    obs, _ = env.reset(seed=0)
    assert env.action_space.n == 128 * 128
    mask = obs["mask"].reshape(128, 128)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    # toy grid 20x10 sits at up=59 rows and right=54 columns of padding (spec §3.3)
    assert rows.min() >= 59 and rows.max() < 59 + 10
    assert cols.min() >= 54 and cols.max() < 54 + 20
    a = 128 * (59 + 3) + 54 + 5  # row 3, col 5 -> centre (55, 35)
    assert env.action_masks()[a]
    env.step(a)
    m = env.fp.netlist
    mr = m.index_of("MR")
    assert (m.x[mr], m.y[mr]) == (pytest.approx(55.0), pytest.approx(35.0))


def test_reset_is_reproducible():
    env = gym.make("CircuitTraining-Synthetic-v0", preset="small", seed=3, node_order="random")
    r1, i1, _ = _run(env, seed=5, pick=3)
    r2, i2, _ = _run(env, seed=5, pick=3)
    assert r1 == r2
    assert i1[-1].get("proxy_cost") == i2[-1].get("proxy_cost")


def test_illegal_action_terminates_or_raises():
    env = CircuitEnv(preset="toy")
    env.reset(seed=0)
    bad = int(np.flatnonzero(~env.action_masks())[0])
    _obs, r, term, trunc, info = env.step(bad)
    assert (r, term, trunc, info["illegal_action"]) == (-1.0, True, False, True)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    strict = CircuitEnv(preset="toy", illegal_action="raise")
    strict.reset(seed=0)
    with pytest.raises(InfeasibleActionError):
        strict.step(bad)


TWO_BIG = """# FP bbox: {0.0 0.0} {100.0 100.0}
# Columns : 4  Rows : 4
node { name: "A" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: %s } } attr { key: "height" value { f: %s } } }
node { name: "B" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 50 } } attr { key: "height" value { f: 50 } } }
node { name: "A/o" input: "B/i" attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "A" } } }
node { name: "B/i" attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "B" } } }
"""


def test_infeasible_state_penalty(tmp_path):
    """100x100 canvas, 4x4 grid: once a 50x50 macro sits on a centre cell, the other fits nowhere."""
    path = tmp_path / "two_big.pb.txt"
    path.write_text(TWO_BIG % (50, 50))
    (tmp_path / "g.plc").write_text("# Columns : 4  Rows : 4\n# Width : 100  Height : 100\n")
    env = CircuitEnv(preset=None, netlist_file=path, init_placement=tmp_path / "g.plc")
    obs, _ = env.reset(seed=0)
    assert obs["mask"].sum() == 4  # centres 37.5/62.5 on both axes
    obs, r, term, trunc, info = env.step(int(np.flatnonzero(obs["mask"])[0]))
    assert (r, term, trunc, info["infeasible"], info["illegal_action"]) == (-1.0, True, False, True, False)
    assert obs["mask"].sum() == 0 and obs["is_node_placed"][1] == 1  # the real final state


def test_macro_that_fits_nowhere(tmp_path):
    path = tmp_path / "huge.pb.txt"
    path.write_text(TWO_BIG % (120, 50))
    (tmp_path / "g.plc").write_text("# Columns : 4  Rows : 4\n# Width : 100  Height : 100\n")
    env = CircuitEnv(preset=None, netlist_file=path, init_placement=tmp_path / "g.plc")
    with pytest.raises(PlacementError, match="'A'"):
        env.reset(seed=0)


def test_synthetic_counts_and_check_env():
    env = gym.make(
        "CircuitTraining-Synthetic-v0", preset="small", num_hard=5, num_soft=10, num_ports=8, seed=1
    )
    check_env(env.unwrapped)
    assert env.unwrapped.fp.num_steps == 5


def test_real_design_from_files(data_dir):
    env = CircuitEnv(
        preset=None,
        netlist_file=data_dir / "toy_macro_stdcell" / "netlist.pb.txt",
        init_placement=data_dir / "toy_macro_stdcell" / "initial.plc",
    )
    assert (env.fp.cols, env.fp.rows) == (20, 10) and (env.fp.model.Cc, env.fp.model.Rc) == (14, 7)
    rewards, _infos, _ = _run(env)
    assert len(rewards) == 2 and np.isfinite(rewards[-1])


def test_ariane_without_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("A2PERF_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="a2perf data download circuit"):
        gym.make("CircuitTraining-Ariane-v0")


def test_ariane_from_cache(tmp_path, monkeypatch, data_dir):
    """The cache layout the downloader fills: <cache>/circuit/ariane_ct/{netlist.pb.txt[.gz], initial.plc}."""
    import shutil

    target = tmp_path / "circuit" / "ariane_ct"
    target.mkdir(parents=True)
    shutil.copy(data_dir / "toy_macro_stdcell" / "netlist.pb.txt", target / "netlist.pb.txt")
    monkeypatch.setenv("A2PERF_DATA_DIR", str(tmp_path))
    env = gym.make("CircuitTraining-Ariane-v0")
    assert env.unwrapped.fp.num_steps == 2
    pad = {"max_grid_size": 128, "max_num_nodes": 3500, "max_num_edges": 42000}
    assert [t["kwargs"] for t in generalization_tasks() if t["env_id"] == "CircuitTraining-Ariane-v0"] == [
        pad
    ]
    ng45 = tmp_path / "circuit" / "ariane133_ng45"
    ng45.mkdir()
    for name in ("netlist.pb.txt.gz", "initial.plc"):
        shutil.copy(data_dir / "ariane133_ng45" / name, ng45 / name)
    tasks = [t for t in generalization_tasks() if t["env_id"] == "CircuitTraining-Ariane-v0"]
    assert tasks[1]["kwargs"] == {
        **pad,
        "netlist_file": str(ng45 / "netlist.pb.txt.gz"),
        "init_placement": str(ng45 / "initial.plc"),
    }


def test_generalization_tasks_make(monkeypatch, tmp_path):
    monkeypatch.setenv("A2PERF_DATA_DIR", str(tmp_path))
    tasks = generalization_tasks()
    assert tasks[0]["env_id"] == "CircuitTraining-ToyMacro-v0"
    assert all(t["env_id"] != "CircuitTraining-Ariane-v0" for t in tasks)
    spaces = set()
    for t in tasks:
        assert t["env_id"] in gym.registry
        if t["kwargs"].get("preset") in (None, "small", "medium"):
            env = gym.make(t["env_id"], **t["kwargs"])
            spaces.add((repr(env.observation_space), repr(env.action_space)))
    assert len(spaces) == 1  # one policy can be evaluated on every task


def test_bad_kwargs():
    with pytest.raises(ConfigError):
        CircuitEnv(preset="nope")
    with pytest.raises(ConfigError):
        CircuitEnv(preset="toy", max_grid_size=4)
    with pytest.raises(ConfigError):
        CircuitEnv(preset="toy", num_hard=3)
    with pytest.raises(ConfigError, match="no movable hard macro"):
        CircuitEnv(preset="small", num_hard=0)


@pytest.mark.parametrize(
    "counts", [{"num_ports": 0}, {"num_soft": 0, "num_ports": 0}, {"num_hard": 1, "num_soft": 1}]
)
def test_degenerate_counts_run(counts):
    env = CircuitEnv(preset="small", **counts)
    rewards, infos, _ = _run(env)
    assert np.isfinite(rewards[-1]) and not infos[-1]["infeasible"]


@pytest.mark.expensive
def test_ariane_sized_episode():
    env = gym.make("CircuitTraining-Synthetic-v0", preset="ariane", seed=0)
    rewards, infos, _ = _run(env)
    assert len(rewards) == 133 and not infos[-1]["infeasible"]
    assert infos[-1]["fd_seconds"] < 10.0  # speed is measured by benchmarks/bench_chip.py


@pytest.mark.expensive
def test_maskable_ppo_smoke():
    import sb3_contrib

    env = gym.make("CircuitTraining-ToyMacro-v0")
    model = sb3_contrib.MaskablePPO(
        "MultiInputPolicy",
        env,
        n_steps=32,
        batch_size=16,
        n_epochs=1,
        seed=0,
        policy_kwargs={"net_arch": [8]},
    )
    model.learn(64)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, action_masks=env.unwrapped.action_masks(), deterministic=True)
    assert env.unwrapped.action_masks()[int(action)]


def test_fake_net_heatmap_in_observation():
    # toy: node 0 is ML, node 1 is MR; ports are indices 0..11 in the generated toy, macros 12 and 15
    env = CircuitEnv(preset="toy")
    nl = env.fp.netlist
    ml, mr, p0 = nl.index_of("ML"), nl.index_of("MR"), nl.index_of("P0")
    env = CircuitEnv(preset="toy", fake_nets=[(1.0, [mr, p0])])
    obs, _ = env.reset(seed=0)
    heat = obs["fake_net_heatmap"].reshape(10, 20)
    r, c = int(nl.y[p0] // 10), min(int(nl.x[p0] // 10), 19)
    assert heat[r, c] == pytest.approx(1.0, abs=1e-5) and heat.min() == 0.0
    assert env.fp.current == mr
    assert ml != mr


def test_plc_blockage_blocks_the_mask(tmp_path, data_dir):
    plc = tmp_path / "blocked.plc"
    plc.write_text(
        "# Columns : 20  Rows : 10\n# Width : 200.0  Height : 100.0\n# Blockage : 0 0 100 100 1.0\n"
    )
    env = CircuitEnv(
        preset=None, netlist_file=data_dir / "toy_macro_stdcell" / "netlist.pb.txt", init_placement=plc
    )
    obs, _ = env.reset(seed=0)
    mask = obs["mask"].reshape(10, 20)
    # a 30-wide macro centred at x must satisfy x - 15 >= 100: columns with centre >= 115
    assert not mask[:, :11].any() and mask[:, 11:].any()
