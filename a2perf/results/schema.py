"""The a2perf result file: pydantic v2 models, versioned by ``schema_version``.

One :class:`RunResult` describes one (submission or algorithm, env id) pair measured over
several seeds: per-seed raw values plus aggregates for every metric family that applies,
and a :class:`Manifest` that says where and how the numbers were produced. Unknown fields
are rejected everywhere (``extra="forbid"``) so a typo never passes silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1
"""Current version of the result format. Bump it when a change breaks old readers."""

NonNegative = Annotated[float, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Manifest(_Model):
    """Provenance of a result: software, hardware, configuration and time."""

    a2perf_version: str
    git_revision: str | None = Field(
        None, description="commit of the a2perf source tree, if it is a git checkout"
    )
    git_dirty: bool | None = Field(None, description="uncommitted changes in that tree")
    python_version: str
    packages: dict[str, str] = Field(
        description="versions of the key packages (numpy, gymnasium, torch, ...)"
    )
    os: str
    cpu_model: str
    cpu_count_logical: int
    cpu_count_physical: int | None
    ram_total_gb: NonNegative
    env_id: str
    env_kwargs: dict[str, Any]
    seeds: list[int]
    started_at: datetime
    finished_at: datetime
    energy_mode: str = Field(description="how energy was measured (see SystemSummary.energy_mode)")
    energy_details: dict[str, Any] = Field(
        default_factory=dict,
        description="how codecarbon measured: version, CPU mode and TDP, power figures, config sources",
    )
    country_iso_code: str = Field(description="country whose carbon intensity codecarbon used")
    region: str | None = None
    command: list[str] | None = Field(None, description="the command line that produced the file")


class Summary(_Model):
    """Mean and spread of a scalar over seeds (sample std, ddof=1; 0 for one seed)."""

    mean: float
    std: NonNegative
    n: int = Field(ge=1)
    ci_low: float | None = None
    ci_high: float | None = None


class LatencyResult(_Model):
    """Per-call inference latency in milliseconds (warm-up calls excluded, counted separately)."""

    p50_ms: NonNegative
    p90_ms: NonNegative
    p99_ms: NonNegative
    mean_ms: NonNegative
    std_ms: NonNegative
    max_ms: NonNegative
    num_calls: int = Field(ge=0)
    num_warmup: int = Field(ge=0)
    samples_ms: list[float] | None = Field(
        None,
        description="one seed's timed calls in order (ms, rounded to 0.1 us), so that seeds pool exactly",
    )
    pooled_from: Literal["calls", "per-seed percentiles"] | None = Field(
        None,
        description="over several seeds: 'calls' = percentiles of every pooled call (exact); 'per-seed "
        "percentiles' = call-weighted mean of the seeds' percentiles (approximate, older results without "
        "samples)",
    )


class SystemResult(_Model):
    """What the SystemMonitor measured around one phase of one seed."""

    wall_time_s: NonNegative
    rss_peak_mb: NonNegative
    rss_mean_mb: NonNegative
    cpu_percent_mean: NonNegative
    energy_kwh: NonNegative | None
    cpu_energy_kwh: NonNegative | None
    ram_energy_kwh: NonNegative | None
    energy_mode: str = Field(
        description="what produced the energy figures, e.g. 'cpu:tdp-load-estimate,ram:constant-model'"
    )
    num_samples: int = Field(ge=0)


class LearningCurve(_Model):
    """Evaluation returns during training: ``steps[i]`` env steps -> ``returns[i]`` mean return."""

    steps: list[int]
    returns: list[float]

    @model_validator(mode="after")
    def _same_length(self) -> LearningCurve:
        if len(self.steps) != len(self.returns):
            raise ValueError(f"learning curve has {len(self.steps)} steps but {len(self.returns)} returns")
        return self


class TaskScore(_Model):
    """Returns of one policy on one generalization task."""

    task: str
    env_id: str
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    per_seed_mean_returns: list[float]
    reference_score: float | None = None


class SeedResult(_Model):
    """Raw values of one seed."""

    seed: int
    episode_returns: list[float]
    episode_lengths: list[int]
    latency: LatencyResult | None = None
    system: dict[str, SystemResult] = Field(default_factory=dict, description="phase name -> usage")
    learning_curve: LearningCurve | None = None
    env_steps_trained: int | None = None


class ReturnsSummary(_Model):
    """Episode returns pooled over seeds (A2Perf: mean and population std of all episodes) plus IQM."""

    mean: float
    std: NonNegative
    iqm: float
    iqm_ci_low: float | None = None
    iqm_ci_high: float | None = None
    num_episodes: int = Field(ge=0)


class RolloutReliability(_Model):
    """Reliability of a fixed policy across rollouts (lower dispersion, higher risk CVaR are better)."""

    dispersion_across_rollouts: float
    risk_across_rollouts: float


class TrainingReliability(_Model):
    """Reliability of training over learning curves (Chan et al. 2020, A2Perf semantics)."""

    dispersion_across_runs: float | None = None
    dispersion_within_runs: float | None = None
    short_term_risk: float | None = None
    long_term_risk: float | None = None
    risk_across_runs: float | None = None


class SystemSummary(_Model):
    """System metrics of one phase aggregated over seeds."""

    wall_time_s: Summary
    rss_peak_mb: Summary
    rss_mean_mb: Summary
    cpu_percent_mean: Summary
    energy_kwh: Summary | None
    cpu_energy_kwh: Summary | None
    ram_energy_kwh: Summary | None
    energy_mode: str


class Generalization(_Model):
    """A2Perf aggregate: sum over tasks of the mean over seeds of per-seed mean returns."""

    tasks: list[TaskScore]
    aggregate: float
    normalized_aggregate: float | None = None


class DataCost(_Model):
    """Energy spent producing the training data (offline methods); steps and episodes as separate columns."""

    energy_kwh: NonNegative
    a2perf_energy_kwh: NonNegative | None = Field(
        None, description="A2Perf's original definition, for comparison"
    )
    env_steps: int = Field(ge=0)
    episodes: int = Field(ge=0)
    sources: list[str] = Field(default_factory=list, description="ids of the source runs/checkpoints")
    energy_mode: str


class Aggregates(_Model):
    """Aggregates of every metric family that applies to this result."""

    returns: ReturnsSummary | None = None
    rollout_reliability: RolloutReliability | None = None
    training_reliability: TrainingReliability | None = None
    latency: LatencyResult | None = Field(None, description="pooled over the calls of every seed")
    system: dict[str, SystemSummary] = Field(default_factory=dict, description="phase name -> summary")
    generalization: Generalization | None = None
    data_cost: DataCost | None = None


class RunResult(_Model):
    """One measured (name, env id) pair: the content of an a2perf result file."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = Field(
        min_length=1, description="submission or policy label shown in tables, e.g. 'ppo' or 'random'"
    )
    algorithm: str = Field(min_length=1)
    domain: str = Field(description="chip, web, quadruped, or 'other' for plain gymnasium envs")
    env_id: str
    task: str = Field(description="task label within the domain (defaults to the env id)")
    phases: list[str] = Field(description="phases measured, e.g. ['train', 'inference', 'generalization']")
    status: Literal["ok", "failed"] = "ok"
    failure_reason: str | None = None
    manifest: Manifest
    per_seed: list[SeedResult]
    aggregates: Aggregates

    @model_validator(mode="after")
    def _consistent(self) -> RunResult:
        if self.status == "failed" and not self.failure_reason:
            raise ValueError("a failed result must carry a failure_reason")
        seeds = [s.seed for s in self.per_seed]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"per_seed lists a seed twice: {seeds}")
        return self
