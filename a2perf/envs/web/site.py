"""Website model and a browser-free simulator of it.

:func:`build_site` turns a :class:`~a2perf.envs.web.design.Design` and an rng into a :class:`Site`:
the node tree of every page, the per-episode user profile and the core-field instances the goal is
made of. :class:`SiteState` applies actions with exactly the rules of ``assets/site.js`` (the browser
side), so it can score designs, drive the oracle and be compared with the browser in tests.

Rules (shared with ``site.js``):

- Page ``i`` = top primitives in design order, then a form with the form primitives in design order.
  On a non-final page the first ``next*`` button becomes the advance button (moved to the end of the
  form; a "Continue" button is added if there is none); on the final page the ``submit`` button does
  (a "Submit" button is added if there is none). Other next/submit buttons are dead.
- Observed elements of the current page = the page ``div`` and its descendants in document pre-order
  (``<option>`` excluded). Ids ``n0, n1, ...`` are assigned in that order over all pages.
- Profile: ``_dummy`` first, then the core concepts of the design sorted by name; ``_dummy`` has no
  value. An action (field f, element e) uses the value of field f (none for ``_dummy``):
  text input -> value (or "" without value); select -> value if it is an option; checkbox ->
  "true"/"false" set it, no value toggles it; radio -> selects the option of its group whose value
  equals the value, or this option without value; advance button -> next page; submit button ->
  success (+1) iff every core instance holds its gold value, else failure (-1); end element -> -1.
  Every acted-on element gets class ``visited``. A step "changed" the page iff an element was newly
  visited, a value changed or the page advanced.
- Potential = (core instances that are visited and hold the gold value) / (core instances).
- Step reward: ``R_env + (phi_t - phi_{t-1}) - [not done] * (0.05 + 0.5 * [not changed])``;
  an invalid action (outside ``action_masks()``) gives exactly ``-0.55`` and changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from a2perf.envs.web.design import Design
from a2perf.envs.web.primitives import (
    DEFAULT_NEXT_TEXT,
    DEFAULT_SUBMIT_TEXT,
    DUMMY_FIELD,
    PRIMITIVES,
    Node,
    sample_profile_value,
)
from a2perf.errors import ConfigError

MAX_ELEMENTS = 250
MAX_FIELDS = 25
STEP_LIMIT = 25
TIMESTEP_PENALTY = 0.05
NOOP_PENALTY = 0.5
INVALID_ACTION_REWARD = -(TIMESTEP_PENALTY + NOOP_PENALTY)

KINDS = ("none", "text", "select", "checkbox", "radio", "next", "submit", "end")
K_NONE, K_TEXT, K_SELECT, K_CHECKBOX, K_RADIO, K_NEXT, K_SUBMIT, K_END = range(len(KINDS))


@dataclass
class Element:
    """One observable element of a page.

    Attributes:
      id: html id (``n<k>``).
      tag, classes, text, placeholder: observed attributes (classes without ``visited``).
      kind: index into :data:`KINDS`.
      options: select options.
      option_value: radio option value.
      group: index of the radio group (into ``Site.instances``) or -1.
      instance: index of the core instance this element holds, or -1.
      initial: initial value ("true"/"false" for checkbox/radio, first option for selects).
    """

    id: str
    tag: str
    classes: str
    text: str
    placeholder: str
    kind: int
    options: tuple[str, ...] = ()
    option_value: str = ""
    group: int = -1
    instance: int = -1
    initial: str = ""


@dataclass
class CoreInstance:
    """One rendered core primitive: a profile field that must hold its gold value.

    Attributes:
      concept: profile field name.
      field: profile field index.
      kind: element kind (text, select, checkbox or radio).
      gold: the profile value.
      page: page index.
      elements: indices (into the page's element list) of the holding element(s).
    """

    concept: str
    field: int
    kind: int
    gold: str
    page: int
    elements: list[int] = field(default_factory=list)


@dataclass
class Site:
    """A rendered website for one episode.

    Attributes:
      design: the source design.
      pages: page root nodes.
      page_elements: observable elements of each page, in document pre-order.
      profile_keys: field names, ``_dummy`` first then sorted concepts.
      profile_values: field values (None for ``_dummy``).
      instances: core instances in page/document order.
    """

    design: Design
    pages: list[Node]
    page_elements: list[list[Element]]
    profile_keys: list[str]
    profile_values: list[str | None]
    instances: list[CoreInstance]

    @property
    def num_pages(self) -> int:
        return len(self.pages)

    def to_spec(self) -> dict:
        """JSON-ready description for ``site.js``: pages as element lists with parent indices."""
        pages = []
        for root, elements in zip(self.pages, self.page_elements, strict=True):
            parents: list[int] = []
            _parents(root, -1, parents)
            pages.append(
                [
                    [
                        el.id,
                        root_tag(el.tag),
                        el.classes,
                        el.text,
                        el.placeholder,
                        el.kind,
                        list(el.options),
                        el.option_value,
                        el.group,
                        el.instance,
                        parent,
                        input_type(el.tag),
                    ]
                    for el, parent in zip(elements, parents, strict=True)
                ]
            )
        inst = [[i.kind, i.gold, i.page, i.elements] for i in self.instances]
        return {"pages": pages, "instances": inst}


def root_tag(obs_tag: str) -> str:
    return "input" if obs_tag.startswith("input_") else obs_tag


def input_type(obs_tag: str) -> str:
    return obs_tag[6:] if obs_tag.startswith("input_") else ""


def _parents(node: Node, parent: int, out: list[int]) -> None:
    me = len(out)
    out.append(parent)
    for child in node.children:
        if node.tag != "select":
            _parents(child, me, out)


def build_site(design: Design, rng: np.random.Generator) -> Site:
    """Render a design for one episode.

    Args:
      design: a validated design.
      rng: draws the profile's random values, then cart prices (in that order).
    Returns:
      The site; raises ConfigError if a page has more than 250 elements.
    """
    pairs = design.primitives()
    num_pages = design.num_pages
    concepts = sorted({PRIMITIVES[k].concept for k, _ in pairs if PRIMITIVES[k].core})
    if len(concepts) + 1 > MAX_FIELDS:
        raise ConfigError(f"design has {len(concepts)} core fields; at most {MAX_FIELDS - 1} are supported")
    profile_keys = [DUMMY_FIELD, *concepts]
    profile_values: list[str | None] = [None] + [sample_profile_value(c, rng) for c in concepts]
    field_of = {c: i for i, c in enumerate(profile_keys)}

    tops: list[list[Node]] = [[] for _ in range(num_pages)]
    forms: list[list[Node]] = [[] for _ in range(num_pages)]
    concept_of: dict[int, str] = {}  # id(root node) -> core concept
    for key, page in pairs:
        prim = PRIMITIVES[key]
        node = prim.build(rng)
        if prim.core:
            concept_of[id(node)] = prim.concept
        (tops if prim.placement == "top" else forms)[page].append(node)

    roots = []
    for page in range(num_pages):
        final = page == num_pages - 1
        want = "submitbtn" if final else "nextbtn"
        button = next((n for n in forms[page] if n.kind == want), None)
        for n in forms[page]:
            if n.kind in ("nextbtn", "submitbtn"):
                n.kind = "none"
        if button is None:
            text = DEFAULT_SUBMIT_TEXT if final else DEFAULT_NEXT_TEXT
            button = Node("button", cls="btn btn-primary", text=text)
        else:
            forms[page].remove(button)
        button.kind = "submit" if final else "next"
        form = Node("div", cls="main-form", children=[*forms[page], button])
        roots.append(
            Node("div", cls="page", children=[*tops[page], Node("div", cls="form-area", children=[form])])
        )

    page_elements: list[list[Element]] = []
    instances: list[CoreInstance] = []
    counter = 0
    for page, root in enumerate(roots):
        elements: list[Element] = []
        for node in _walk_with_instances(root, concept_of):
            n, concept = node
            el = Element(
                id=f"n{counter}",
                tag=n.obs_tag,
                classes=n.cls,
                text="" if n.children else n.text,
                placeholder=n.placeholder,
                kind=KINDS.index(n.kind),
                options=n.options,
                option_value=n.option_value,
            )
            counter += 1
            if el.kind in (K_CHECKBOX, K_RADIO):
                el.initial = "false"
            elif el.kind == K_SELECT:
                el.initial = n.options[0]
            if concept is not None and n.core:
                if (
                    not instances
                    or instances[-1].concept != concept
                    or instances[-1].page != page
                    or el.kind != K_RADIO
                ):
                    instances.append(CoreInstance(concept, field_of[concept], el.kind, "", page))
                    inst = instances[-1]
                    inst.gold = profile_values[inst.field] or ""
                el.instance = len(instances) - 1
                instances[-1].elements.append(len(elements))
                if el.kind == K_RADIO:
                    el.group = len(instances) - 1
            elements.append(el)
        if len(elements) > MAX_ELEMENTS:
            raise ConfigError(
                f"page {page} of the design has {len(elements)} elements; at most {MAX_ELEMENTS} are observable, "
                "use fewer primitives per page"
            )
        page_elements.append(elements)
    return Site(design, roots, page_elements, profile_keys, profile_values, instances)


def _walk_with_instances(root: Node, concept_of: dict[int, str]):
    """Pre-order (node, concept of the enclosing core primitive or None), options excluded."""
    stack: list[tuple[Node, str | None]] = [(root, None)]
    while stack:
        node, concept = stack.pop()
        concept = concept_of.get(id(node), concept)
        yield node, concept
        if node.tag != "select":
            stack.extend((c, concept) for c in reversed(node.children))


def step_reward(raw_reward: float, phi_prev: float, phi: float, done: bool, changed: bool) -> float:
    """Reward of one valid step (see the module docstring)."""
    r = raw_reward + (phi - phi_prev)
    if not done:
        r -= TIMESTEP_PENALTY + (0.0 if changed else NOOP_PENALTY)
    return r


@dataclass
class RawObs:
    """What one step shows of the current page (same fields from the browser and the simulator).

    Attributes:
      page: current page index.
      ids, tags, values, texts, placeholders, classes: per element, document order (length n).
      visited: per element, acted on this episode.
      rects: shape (n, 4) float32 left, top, width, height in px (zeros in the simulator).
      size: (width, height) of the page in px (1, 1 in the simulator).
      focused: index of the last acted-on element on this page, or -1.
      done: the episode ended (submit or end element).
      raw_reward: +1 success, -1 failure, 0 otherwise.
      correct: core instances visited and holding their gold value.
      changed: the last action changed the page.
    """

    page: int
    ids: list[str]
    tags: list[str]
    values: list[str]
    texts: list[str]
    placeholders: list[str]
    classes: list[str]
    visited: list[bool]
    rects: np.ndarray
    size: tuple[float, float]
    focused: int
    done: bool
    raw_reward: float
    correct: int
    changed: bool


class SiteState:
    """Simulated state of a site in a browser (pure Python, no layout)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.reset()

    def reset(self) -> None:
        """Back to page 0 with initial values."""
        self.page = 0
        self.values = [[el.initial for el in els] for els in self.site.page_elements]
        self.visited = [[False] * len(els) for els in self.site.page_elements]
        self.focused = -1
        self.done = False
        self.raw_reward = 0.0
        self.changed = True

    @property
    def num_elements(self) -> int:
        """Observable elements on the current page."""
        return len(self.site.page_elements[self.page])

    def apply(self, field_index: int, element: int) -> None:
        """Apply one valid action (field < num fields, element < num_elements)."""
        site = self.site
        els = site.page_elements[self.page]
        values = self.values[self.page]
        el = els[element]
        value = site.profile_values[field_index]
        changed = not self.visited[self.page][element]
        self.visited[self.page][element] = True
        self.focused = element
        kind = el.kind
        if kind == K_TEXT:
            new = "" if value is None else value
            changed |= values[element] != new
            values[element] = new
        elif kind == K_SELECT:
            if value is not None and value in el.options and values[element] != value:
                values[element] = value
                changed = True
        elif kind == K_CHECKBOX:
            new = values[element]
            if value is None:
                new = "false" if new == "true" else "true"
            elif value in ("true", "false"):
                new = value
            changed |= new != values[element]
            values[element] = new
        elif kind == K_RADIO:
            target = -1
            group = site.instances[el.group].elements
            if value is None:
                target = element
            else:
                for j in group:
                    if els[j].option_value == value:
                        target = j
                        break
            if target >= 0:
                for j in group:
                    new = "true" if j == target else "false"
                    changed |= values[j] != new
                    values[j] = new
        elif kind == K_NEXT:
            self.page += 1
            self.focused = -1
            changed = True
        elif kind == K_SUBMIT:
            self.done = True
            self.raw_reward = 1.0 if self.all_correct() else -1.0
        elif kind == K_END:
            self.done = True
            self.raw_reward = -1.0
        self.changed = changed

    def instance_correct(self, inst: CoreInstance) -> bool:
        values = self.values[inst.page]
        if inst.kind == K_RADIO:
            els = self.site.page_elements[inst.page]
            return any(values[j] == "true" and els[j].option_value == inst.gold for j in inst.elements)
        return values[inst.elements[0]] == inst.gold

    def instance_visited(self, inst: CoreInstance) -> bool:
        return any(self.visited[inst.page][j] for j in inst.elements)

    def all_correct(self) -> bool:
        """Every core instance holds its gold value (visited or not)."""
        return all(self.instance_correct(i) for i in self.site.instances)

    def correct_count(self) -> int:
        """Core instances that are visited and hold their gold value."""
        return sum(1 for i in self.site.instances if self.instance_visited(i) and self.instance_correct(i))

    def raw_obs(self) -> RawObs:
        """The current page as the browser would report it (no layout)."""
        els = self.site.page_elements[self.page]
        visited = list(self.visited[self.page])
        return RawObs(
            page=self.page,
            ids=[e.id for e in els],
            tags=[e.tag for e in els],
            values=list(self.values[self.page]),
            texts=[e.text for e in els],
            placeholders=[e.placeholder for e in els],
            classes=[_with_visited(e.classes, v) for e, v in zip(els, visited, strict=True)],
            visited=visited,
            rects=np.zeros((len(els), 4), dtype=np.float32),
            size=(1.0, 1.0),
            focused=self.focused,
            done=self.done,
            raw_reward=self.raw_reward,
            correct=self.correct_count(),
            changed=self.changed,
        )


def _with_visited(classes: str, visited: bool) -> str:
    if not visited:
        return classes
    return f"{classes} visited" if classes else "visited"


def random_agent_success(site: Site, episodes: int, rng: random.Random, step_limit: int = STEP_LIMIT) -> int:
    """Successes of the valid-action uniform random agent.

    Each step picks (field, element) uniformly among all profile fields (``_dummy`` included) and
    the current page's elements, i.e. uniformly among ``action_masks()``.

    Args:
      site: the rendered site (its profile is fixed across these episodes).
      episodes: number of episodes.
      rng: Python random generator.
      step_limit: steps before truncation.
    Returns:
      Number of episodes that ended with raw reward +1.
    """
    state = SiteState(site)
    n_fields = len(site.profile_keys)
    wins = 0
    for _ in range(episodes):
        state.reset()
        for _ in range(step_limit):
            state.apply(rng.randrange(n_fields), rng.randrange(state.num_elements))
            if state.done:
                wins += state.raw_reward > 0
                break
    return wins


NUM_ACTIONS = 2 * MAX_FIELDS * MAX_ELEMENTS


def encode_action(field_index: int, element: int) -> int:
    """Flatten (profile field, element) into the ``Discrete(12500)`` index ``field * 250 + element``."""
    return field_index * MAX_ELEMENTS + element


def decode_action(action: int) -> tuple[int, int]:
    """Inverse of :func:`encode_action` (fields >= 25 never appear in ``action_masks()``)."""
    return divmod(int(action), MAX_ELEMENTS)
