"""Pointer policies for the web domain: score (profile field, DOM element) pairs, not 12,500 outputs.

A web action is a pair ``(field f, element e)`` flattened to ``f * E + e`` (F = 25 fields, E = 250
elements; ``Discrete(12500)`` of which the first ``F * E`` can be valid). A flat policy head
(``Linear(hidden, 12500)``) on a pooled summary must learn each pair on its own and cannot tell
which element a token came from; the observation also carries 12,500 DOM tokens per step, and
embedding all of them (mostly padding) dominated the cost of every update.

:class:`WebItemExtractor` embeds each profile field and each DOM element separately (token
embeddings averaged per attribute with ``nn.EmbeddingBag``, padding ignored), only over the fields
and elements that exist in the batch (``dom_profile_joint_mask``), and mixes in a global context
(pooled items + ``time_step``). :class:`PointerHead` scores every pair bilinearly,
``logit(f, e) = q(g_f) . k(h_e) / sqrt(d) + u(h_e) + v(g_f)``, and gives the pairs the observation
marks invalid (``dom_profile_joint_mask`` = 0, and every index >= F * E) the logit :data:`NEG`, so
even plain PPO and DQN only point at fields and elements that exist.

Policies (SB3-compatible, named in YAML configs as ``policy: WebPointerPolicy``; :func:`policy_class`
picks the class for the algorithm): :class:`WebPointerPolicy` (PPO), :class:`MaskableWebPointerPolicy`
(sb3-contrib MaskablePPO; also honours ``action_masks``) and :class:`WebPointerDQNPolicy` (DQN and
a2perf's :class:`~a2perf.baselines.maskable_dqn.MaskableDQN`, which `a2perf train --algo dqn` uses on
web: its epsilon-greedy exploration samples the page's valid pairs, not the whole ``Discrete(12500)``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.distributions import CategoricalDistribution
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.dqn.policies import DQNPolicy, QNetwork
from torch import nn
from torch.distributions import Categorical

from a2perf.errors import ConfigError

NEG = -1e8
"""Logit / Q-value of pairs the observation marks invalid (same as sb3-contrib's masked logits)."""

PAD_ID = 0
REQUIRED_KEYS = (
    "profile_key",
    "profile_value",
    "dom_elements",
    "dom_features",
    "dom_profile_joint_mask",
    "time_step",
)
"""Observation keys the pointer policies read (the web env's observation has them all)."""


class WebItemExtractor(BaseFeaturesExtractor):
    """Per-field and per-element embeddings with a global context, packed into one flat tensor.

    Args:
      observation_space: the web env's ``Dict`` space (needs :data:`REQUIRED_KEYS`).
      embedding_dim: ``D_tok``, size of one token embedding.
      hidden_dim: ``d``, size of a field, element and context vector.

    Output ``(B, d + F * d + E * d + F * E)``: context ``c``, field vectors ``g`` (F, d), element
    vectors ``h`` (E, d) and the valid-pair grid (F, E) as 0/1, fields and elements beyond the
    batch's last valid one zero. Per field: key and value tokens, each averaged (padding id 0
    ignored), concatenated, ``Linear -> ReLU``. Per element: the 5 attributes' token averages and
    ``dom_features``, ``Linear -> ReLU``. Context: masked mean of fields, masked mean and max of
    elements and ``time_step``, ``Linear -> ReLU``. Then each field/element vector is concatenated
    with ``c`` and passed through ``Linear -> ReLU`` (so it knows the page state, e.g. what is filled).
    """

    def __init__(
        self, observation_space: gym.spaces.Dict, embedding_dim: int = 32, hidden_dim: int = 64
    ) -> None:
        if not isinstance(observation_space, gym.spaces.Dict) or any(
            k not in observation_space.spaces for k in REQUIRED_KEYS
        ):
            raise ConfigError(
                f"the web pointer policy needs a Dict observation with keys {', '.join(REQUIRED_KEYS)}; "
                "use policy: MultiInputPolicy for other envs"
            )
        spaces = observation_space.spaces
        n_fields = spaces["profile_key"].shape[0]
        n_elements, n_attributes, _ = spaces["dom_elements"].shape
        n_features = spaces["dom_features"].shape[-1]
        if spaces["dom_profile_joint_mask"].shape != (n_fields, n_elements):
            raise ConfigError(
                f"dom_profile_joint_mask must have shape ({n_fields}, {n_elements}), "
                f"got {spaces['dom_profile_joint_mask'].shape}"
            )
        d = hidden_dim
        super().__init__(
            observation_space, features_dim=d + (n_fields + n_elements) * d + n_fields * n_elements
        )
        self.n_fields, self.n_elements, self.hidden_dim = n_fields, n_elements, d
        vocab = 1 + max(int(np.max(spaces[k].high)) for k in ("profile_key", "profile_value", "dom_elements"))
        self.embedding = nn.EmbeddingBag(vocab, embedding_dim, mode="mean", padding_idx=PAD_ID)
        self.field_in = nn.Linear(2 * embedding_dim, d)
        self.element_in = nn.Linear(n_attributes * embedding_dim + n_features, d)
        self.context = nn.Linear(3 * d + 1, d)
        self.field_out = nn.Linear(2 * d, d)
        self.element_out = nn.Linear(2 * d, d)

    def _pool(self, ids: torch.Tensor) -> torch.Tensor:
        """(..., T) token ids -> (..., D_tok) mean embedding of the non-padding tokens (0 if none)."""
        flat = ids.long().clamp(0, self.embedding.num_embeddings - 1).reshape(-1, ids.shape[-1])
        return self.embedding(flat).reshape(*ids.shape[:-1], -1)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        valid = observations["dom_profile_joint_mask"] > 0.5  # (B, F, E)
        batch = valid.shape[0]
        n_f, n_e = _extent(valid.any(2)), _extent(valid.any(1))
        valid = valid[:, :n_f, :n_e]
        field_on = valid.any(2, keepdim=True).float()  # (B, n_f, 1)
        element_on = valid.any(1).unsqueeze(-1).float()  # (B, n_e, 1)

        fields = torch.cat(
            [
                self._pool(observations["profile_key"][:, :n_f]),
                self._pool(observations["profile_value"][:, :n_f]),
            ],
            dim=-1,
        )
        dom = self._pool(observations["dom_elements"][:, :n_e]).flatten(2)  # (B, n_e, A * D_tok)
        elements = torch.cat([dom, observations["dom_features"][:, :n_e].float()], dim=-1)
        g0 = F.relu(self.field_in(fields)) * field_on
        h0 = F.relu(self.element_in(elements)) * element_on
        context = F.relu(
            self.context(
                torch.cat(
                    [
                        g0.sum(1) / field_on.sum(1).clamp(min=1.0),
                        h0.sum(1) / element_on.sum(1).clamp(min=1.0),
                        h0.max(1).values,  # ReLU outputs: zeros of absent elements never win
                        observations["time_step"].float().reshape(batch, 1),
                    ],
                    dim=-1,
                )
            )
        )
        g = F.relu(self.field_out(torch.cat([g0, context.unsqueeze(1).expand_as(g0)], dim=-1))) * field_on
        h = F.relu(self.element_out(torch.cat([h0, context.unsqueeze(1).expand_as(h0)], dim=-1))) * element_on
        pad_f, pad_e = self.n_fields - n_f, self.n_elements - n_e
        return torch.cat(
            [
                context,
                F.pad(g, (0, 0, 0, pad_f)).flatten(1),
                F.pad(h, (0, 0, 0, pad_e)).flatten(1),
                F.pad(valid.float(), (0, pad_e, 0, pad_f)).flatten(1),
            ],
            dim=1,
        )


def _extent(present: torch.Tensor) -> int:
    """1 + the last index (axis 1) present in any row of a (B, N) bool tensor; at least 1."""
    idx = present.any(0).nonzero()
    return max(1, int(idx[-1]) + 1) if len(idx) else 1


class PointerHead(nn.Module):
    """Bilinear pair scores (actor) and a value latent (critic) from :class:`WebItemExtractor` features.

    Args:
      n_fields, n_elements, hidden_dim: F, E and d of the extractor.
      n_actions: size of the ``Discrete`` action space (>= F * E).

    ``forward_actor``: ``(B, features) -> (B, n_f, n_e)`` logits of the pairs up to the batch's last valid
    field ``n_f`` and element ``n_e`` (read by :class:`PointerDistribution`; :meth:`full_scores` maps them
    to ``(B, n_actions)``, index ``f * E + e``);
    ``forward_critic``: ``(B, features) -> (B, d)``. ``latent_dim_pi = n_actions``, ``latent_dim_vf = d``.
    """

    def __init__(self, n_fields: int, n_elements: int, hidden_dim: int, n_actions: int) -> None:
        super().__init__()
        if n_actions < n_fields * n_elements:
            raise ConfigError(
                f"the pointer head needs >= {n_fields * n_elements} actions (fields x elements), got {n_actions}"
            )
        self.n_fields, self.n_elements, self.hidden_dim, self.n_actions = (
            n_fields,
            n_elements,
            hidden_dim,
            n_actions,
        )
        self.latent_dim_pi, self.latent_dim_vf = n_actions, hidden_dim
        d = hidden_dim
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.element_score = nn.Linear(d, 1)
        self.field_score = nn.Linear(d, 1)
        self.critic = nn.Sequential(nn.Linear(d, d), nn.ReLU())
        for layer in (self.key, self.element_score, self.field_score):  # near-uniform initial policy
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)

    def _unpack(self, features: torch.Tensor) -> tuple[torch.Tensor, ...]:
        f, e, d = self.n_fields, self.n_elements, self.hidden_dim
        context, g, h, valid = torch.split(features, [d, f * d, e * d, f * e], dim=1)
        batch = features.shape[0]
        return context, g.reshape(batch, f, d), h.reshape(batch, e, d), valid.reshape(batch, f, e) > 0.5

    def forward_actor(self, features: torch.Tensor) -> torch.Tensor:
        """Pair scores ``(B, n_f, n_e)`` over the batch's fields and elements (invalid pairs :data:`NEG`)."""
        _, g, h, valid = self._unpack(features)
        n_f, n_e = _extent(valid.any(2)), _extent(valid.any(1))
        g, h, valid = g[:, :n_f], h[:, :n_e], valid[:, :n_f, :n_e]
        scores = torch.einsum("bfd,bed->bfe", self.query(g), self.key(h)) / math.sqrt(self.hidden_dim)
        scores = scores + self.element_score(h).transpose(1, 2) + self.field_score(g)
        return scores.masked_fill(~valid, NEG)

    def full_scores(self, grid: torch.Tensor) -> torch.Tensor:
        """``(B, n_f, n_e)`` pair scores -> ``(B, n_actions)`` at index ``f * E + e``, :data:`NEG` elsewhere."""
        n_f, n_e = grid.shape[1:]
        flat = F.pad(grid, (0, self.n_elements - n_e, 0, self.n_fields - n_f), value=NEG).flatten(1)
        return F.pad(flat, (0, self.n_actions - flat.shape[1]), value=NEG)

    def forward_critic(self, features: torch.Tensor) -> torch.Tensor:
        return self.critic(features[:, : self.hidden_dim])

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.forward_actor(features), self.forward_critic(features)


class PointerDistribution(CategoricalDistribution):
    """Categorical over the valid (field, element) pairs of a ``(B, n_f, n_e)`` score grid.

    Same interface as SB3's (and sb3-contrib's maskable) categorical distribution, but softmax,
    log-probabilities and entropy are computed over the ``n_f * n_e`` cropped pairs instead of all
    ``n_actions``. Actions are the env's flat indices ``f * E + e``; an action outside the grid has
    log-probability :data:`NEG`.

    Args:
      n_fields, n_elements: F and E.
      n_actions: size of the ``Discrete`` action space.
    """

    def __init__(self, n_fields: int, n_elements: int, n_actions: int) -> None:
        super().__init__(n_actions)
        self.n_fields, self.n_elements = n_fields, n_elements
        self.scores: torch.Tensor | None = None

    def proba_distribution(self, action_logits: torch.Tensor) -> PointerDistribution:
        self.scores = action_logits
        self.distribution = Categorical(logits=action_logits.flatten(1))
        return self

    def apply_masking(self, masks: np.ndarray | torch.Tensor | None) -> None:
        """Also exclude the pairs whose entry in ``masks`` (shape ``(B, n_actions)``) is False."""
        assert self.scores is not None, "call proba_distribution first"
        scores = self.scores
        if masks is not None:
            batch, n_f, n_e = scores.shape
            m = torch.as_tensor(masks, device=scores.device).reshape(batch, -1)[
                :, : self.n_fields * self.n_elements
            ]
            m = m.reshape(batch, self.n_fields, self.n_elements)[:, :n_f, :n_e].bool()
            scores = scores.masked_fill(~m, NEG)
        self.distribution = Categorical(logits=scores.flatten(1))

    def _to_actions(self, index: torch.Tensor) -> torch.Tensor:
        n_e = self.scores.shape[2]
        return torch.div(index, n_e, rounding_mode="floor") * self.n_elements + index % n_e

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        _, n_f, n_e = self.scores.shape
        a = actions.long().reshape(-1)
        f, e = torch.div(a, self.n_elements, rounding_mode="floor"), a % self.n_elements
        inside = (f < n_f) & (e < n_e)
        index = torch.where(inside, f * n_e + e, torch.zeros_like(a))
        return torch.where(
            inside, self.distribution.log_prob(index), torch.full_like(index, NEG, dtype=torch.float32)
        )

    def entropy(self) -> torch.Tensor:
        return self.distribution.entropy()

    def sample(self) -> torch.Tensor:
        return self._to_actions(self.distribution.sample())

    def mode(self) -> torch.Tensor:
        return self._to_actions(torch.argmax(self.distribution.probs, dim=1))


class _PointerArgs:
    """``embedding_dim`` / ``hidden_dim`` arguments and the fixed extractor of every pointer policy."""

    _fixed_kwargs: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        observation_space: gym.spaces.Dict,
        action_space: gym.spaces.Discrete,
        lr_schedule: Any,
        embedding_dim: int = 32,
        hidden_dim: int = 64,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("features_extractor_class", WebItemExtractor) is not WebItemExtractor:
            raise ConfigError(
                f"{type(self).__name__} builds its own features extractor; "
                "remove features_extractor_class from policy_kwargs"
            )
        self.embedding_dim, self.hidden_dim = embedding_dim, hidden_dim
        kwargs.update(
            features_extractor_class=WebItemExtractor,
            features_extractor_kwargs={"embedding_dim": embedding_dim, "hidden_dim": hidden_dim},
            **self._fixed_kwargs,
        )
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        return {
            **super()._get_constructor_parameters(),
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
        }


class _PointerActorCritic(_PointerArgs):
    """Shared parts of the PPO and MaskablePPO pointer policies (mixed into their SB3 base classes)."""

    _fixed_kwargs: ClassVar[dict[str, Any]] = {"ortho_init": False}  # the head has its own init

    def _build_mlp_extractor(self) -> None:
        ext = self.features_extractor
        self.mlp_extractor = PointerHead(
            ext.n_fields, ext.n_elements, ext.hidden_dim, int(self.action_space.n)
        )

    def _build(self, lr_schedule: Any) -> None:
        self._build_mlp_extractor()
        head = self.mlp_extractor
        self.action_dist = PointerDistribution(head.n_fields, head.n_elements, head.n_actions)
        self.action_net = nn.Identity()  # the head already returns the pair scores
        self.value_net = nn.Linear(head.latent_dim_vf, 1)
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_action_dist_from_latent(self, latent_pi: torch.Tensor) -> PointerDistribution:
        return self.action_dist.proba_distribution(action_logits=self.action_net(latent_pi))


class WebPointerPolicy(_PointerActorCritic, ActorCriticPolicy):
    """PPO/A2C actor-critic with the web pointer head (see the module docstring).

    Args:
      embedding_dim: token embedding size.
      hidden_dim: field, element and context vector size.
      **kwargs: other ``ActorCriticPolicy`` arguments (``net_arch`` is unused).
    """


class MaskableWebPointerPolicy(_PointerActorCritic, MaskableActorCriticPolicy):
    """MaskablePPO actor-critic with the web pointer head; ``action_masks`` are applied on top."""


class _ActorScores(nn.Module):
    """The head's pair scores spread over the whole action space (Q-values for DQN)."""

    def __init__(self, head: PointerHead) -> None:
        super().__init__()
        self.head = head

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head.full_scores(self.head.forward_actor(features))


class PointerQNetwork(QNetwork):
    """DQN Q-network: Q(s, (f, e)) from the pointer head; invalid pairs get :data:`NEG`.

    Same constructor as SB3's ``QNetwork``; ``net_arch`` and ``activation_fn`` are kept but unused.
    """

    def __init__(
        self,
        observation_space: gym.spaces.Dict,
        action_space: gym.spaces.Discrete,
        features_extractor: WebItemExtractor,
        features_dim: int,
        net_arch: list[int] | None = None,
        activation_fn: type[nn.Module] = nn.ReLU,
        normalize_images: bool = True,
    ) -> None:
        BasePolicy.__init__(  # not QNetwork.__init__: it would build a features_dim x 12500 MLP
            self,
            observation_space,
            action_space,
            features_extractor=features_extractor,
            normalize_images=normalize_images,
        )
        self.net_arch, self.activation_fn, self.features_dim = (
            list(net_arch or []),
            activation_fn,
            features_dim,
        )
        ext = features_extractor
        self.q_net = _ActorScores(
            PointerHead(ext.n_fields, ext.n_elements, ext.hidden_dim, int(action_space.n))
        )


class WebPointerDQNPolicy(_PointerArgs, DQNPolicy):
    """DQN policy (online and target Q-networks) with the web pointer head."""

    def make_q_net(self) -> QNetwork:
        net_args = self._update_features_extractor(self.net_args, features_extractor=None)
        return PointerQNetwork(**net_args).to(self.device)


POLICIES: dict[str, dict[str, type[BasePolicy]]] = {
    "WebPointerPolicy": {
        "ppo": WebPointerPolicy,
        "a2c": WebPointerPolicy,
        "maskable_ppo": MaskableWebPointerPolicy,
        "dqn": WebPointerDQNPolicy,
        "maskable_dqn": WebPointerDQNPolicy,
    }
}
"""Policy names usable as ``policy`` in YAML configs -> the class per algorithm."""


def policy_class(name: str | type, algo: str, source: str = "config") -> str | type:
    """The ``policy`` argument for the SB3 class of ``algo``: a registered name becomes its class.

    SB3's own names (``MlpPolicy``, ``MultiInputPolicy``, ...) and classes are returned unchanged.

    Raises:
      ConfigError: a registered name that has no variant for ``algo``.
    """
    if not isinstance(name, str) or name not in POLICIES:
        return name
    variants = POLICIES[name]
    if algo not in variants:
        raise ConfigError(f"{source}: policy {name} has no {algo} variant; use one of {', '.join(variants)}")
    return variants[algo]
