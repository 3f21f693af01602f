"""The primitive catalogue: the building blocks of every website.

Keys are those of the original gMiniWoB designs (including the misspelt ``forgotpassowrd``), so
design files stay compatible; markup and texts are our own. Each primitive renders to a small node
tree (:class:`Node`). A primitive is

- **core** when it binds a profile field (its ``concept``): filling it right is part of the goal;
- **end** when it has links/buttons that end the episode with failure when clicked;
- placed ``"top"`` (above the form, in design order) or ``"form"`` (inside the page's form).

Element kinds (what an action on the element does, see :mod:`a2perf.envs.web.site`):
``text`` (text-like input), ``select``, ``checkbox``, ``radio``, ``end`` (fail), ``nextbtn`` /
``submitbtn`` (become the page's advance/submit button or dead buttons when the site is built) and
``none`` (only marked visited).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

NONE_KEY = "#none#"


@dataclass
class Node:
    """One DOM element of a primitive.

    Attributes:
      tag: HTML tag (``input`` elements are observed as ``input_<type>``).
      cls: class attribute.
      text: text content (only for elements without element children).
      kind: action semantics, see the module docstring.
      input_type: ``type`` attribute of inputs.
      placeholder: placeholder attribute.
      options: option values of a ``select`` (the first is preselected).
      option_value: the value a radio button stands for.
      core: True for the element(s) that hold the primitive's profile field.
      children: child elements.
    """

    tag: str
    cls: str = ""
    text: str = ""
    kind: str = "none"
    input_type: str = ""
    placeholder: str = ""
    options: tuple[str, ...] = ()
    option_value: str = ""
    core: bool = False
    children: list[Node] = field(default_factory=list)

    @property
    def obs_tag(self) -> str:
        """Tag as observed: ``input_<type>`` for inputs."""
        return f"input_{self.input_type}" if self.tag == "input" else self.tag

    def walk(self):
        """Yield this node and its descendants in document pre-order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Primitive:
    """One catalogue entry.

    Attributes:
      key: design key (original name).
      concept: profile field name for core primitives, html stem otherwise.
      core: binds a profile field.
      end: some of its elements end the episode with failure.
      placement: ``"top"`` or ``"form"``.
      build: ``build(rng) -> Node`` renders one instance (rng used for random prices only).
    """

    key: str
    concept: str
    core: bool
    end: bool
    placement: str
    build: Callable[[np.random.Generator], Node]


# ---------------------------------------------------------------- builders


def _group(*children: Node, cls: str = "form-group") -> Node:
    return Node("div", cls=cls, children=list(children))


def _link(text: str, cls: str = "link", kind: str = "end") -> Node:
    return Node("a", cls=cls, text=text, kind=kind)


def _text_input(placeholder: str, input_type: str) -> Node:
    return Node(
        "input", cls="form-control", kind="text", input_type=input_type, placeholder=placeholder, core=True
    )


def _labelled_input(label: str, input_type: str = "text", placeholder: str = "") -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return _group(Node("label", cls="field-label", text=label), _text_input(placeholder, input_type))

    return build


def _plain_input(placeholder: str, input_type: str = "text") -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return _group(_text_input(placeholder, input_type))

    return build


def _checkbox(label: str) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return _group(
            Node("input", cls="check-input", kind="checkbox", input_type="checkbox", core=True),
            Node("label", cls="check-label", text=label),
            cls="form-check",
        )

    return build


def _radios(title: str, values: tuple[str, str]) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        options = [
            _group(
                Node("input", cls="radio-input", kind="radio", input_type="radio", option_value=v, core=True),
                Node("label", cls="radio-label", text=v),
                cls="form-radio",
            )
            for v in values
        ]
        return _group(Node("h6", cls="radio-title", text=title), *options, cls="radio-group")

    return build


def _select(label: str, options: tuple[str, ...]) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return _group(
            Node("label", cls="field-label", text=label),
            Node("select", cls="form-select", kind="select", options=options, core=True),
        )

    return build


def _button(text: str, kind: str) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return Node("button", cls="btn btn-primary", text=text, kind=kind)

    return build


def _heading(text: str) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return Node("h5", cls="section-title", text=text)

    return build


def _navbar(rng: np.random.Generator) -> Node:
    items = [Node("li", cls="nav-item", children=[_link(t, "nav-link")]) for t in NAV_LINKS]
    return Node(
        "nav",
        cls="navbar",
        children=[
            _link("ShopLane", "brand"),
            Node("button", cls="menu-toggle", text="Menu"),
            Node("ul", cls="nav-list", children=items),
        ],
    )


def _carousel(rng: np.random.Generator) -> Node:
    return Node(
        "div",
        cls="carousel",
        children=[
            Node("div", cls="slide", text="Spring sale 1 of 5"),
            _link("Previous", "carousel-control"),
            _link("Next", "carousel-control"),
        ],
    )


def _deck(rng: np.random.Generator) -> Node:
    cards = []
    for i in range(4):
        cards.append(
            Node(
                "div",
                cls="card",
                children=[
                    _link("Photo", "card-photo"),
                    _link(f"Item {i % 2 + 1}", "card-title"),
                    Node("div", cls="card-price", text="$0.99" if i % 2 == 0 else "$1.99"),
                    Node("p", cls="card-text", text="Short item description"),
                    Node("div", cls="card-stars", text="4 stars"),
                ],
            )
        )
    return Node("div", cls="deck", children=cards)


def _dealmedia(rng: np.random.Generator) -> Node:
    return Node(
        "div",
        cls="media",
        children=[
            Node("div", cls="media-photo", text="Deal photo"),
            Node("h5", cls="media-title", text="Deal of the day"),
            Node("p", cls="media-text", text="Gaming laptop"),
            _link("Get it today", "media-link"),
        ],
    )


def _cart(rng: np.random.Generator) -> Node:
    prices = [int(p) for p in rng.integers(1, 51, size=len(CART_ITEMS))]
    rows = [
        Node(
            "li",
            cls="cart-item",
            children=[
                Node("span", cls="cart-name", text=name),
                Node("span", cls="cart-price", text=f"${price}"),
                _link("Remove", "cart-remove"),
            ],
        )
        for name, price in zip(CART_ITEMS, prices, strict=True)
    ]
    rows.append(Node("li", cls="cart-total", text=f"Total ${sum(prices)}"))
    return Node(
        "div",
        cls="cart",
        children=[
            Node("h5", cls="cart-title", text="Your basket"),
            Node("ul", cls="cart-list", children=rows),
            Node(
                "div",
                cls="promo",
                children=[
                    Node(
                        "input", cls="form-control", kind="text", input_type="text", placeholder="Promo code"
                    ),
                    Node("button", cls="btn btn-secondary", text="Redeem", kind="end"),
                ],
            ),
        ],
    )


def _footer(rng: np.random.Generator) -> Node:
    return Node(
        "footer",
        cls="footer",
        children=[
            Node("p", cls="footer-note", text="2020 - 2021 The Company"),
            Node("ul", cls="footer-links", children=[Node("li", children=[_link(t)]) for t in FOOTER_LINKS]),
        ],
    )


def _forgot(text: str) -> Callable:
    def build(rng: np.random.Generator) -> Node:
        return _group(_link(text, "forgot-link"), cls="form-link")

    return build


def _search(rng: np.random.Generator) -> Node:
    return _group(
        Node("input", cls="form-control", kind="text", input_type="text", placeholder="Search"),
        cls="input-group",
    )


NAV_LINKS = ("Home", "Sign in", "Account", "Basket", "Pay")
FOOTER_LINKS = ("Contact", "Terms", "Support", "Full site")
CART_ITEMS = ("Shoes", "Bag", "Shirt")

# ---------------------------------------------------------------- catalogue

_P = Primitive
_ENTRIES: list[Primitive] = [
    # passive, end-on-click
    _P("navbar", "navbar", False, True, "top", _navbar),
    _P("carousel", "carousel", False, True, "top", _carousel),
    _P("deck", "deck", False, True, "top", _deck),
    _P("dealmedia", "dealmedia", False, True, "top", _dealmedia),
    _P("cart", "cart", False, True, "top", _cart),
    _P("footer1", "footer", False, True, "top", _footer),
    _P("forgotusername", "forgotusername", False, True, "form", _forgot("Forgot user name?")),
    _P("forgotpassowrd", "forgotpassword", False, True, "form", _forgot("Forgot password?")),
    # passive
    _P("header", "header", False, False, "top", _heading("Shipping information")),
    _P("header_login", "header", False, False, "top", _heading("Sign in")),
    _P("header_select_items", "header", False, False, "top", _heading("Select items")),
    _P("inpgroup1", "inputgroup", False, False, "form", _search),
    _P("next_login_page", "next", False, False, "form", _button("Log in", "nextbtn")),
    _P("next_login", "next", False, False, "form", _button("Log in and check out", "nextbtn")),
    _P("next_checkout", "next", False, False, "form", _button("Check out", "nextbtn")),
    _P("submit", "submit", False, False, "form", _button("Place order", "submitbtn")),
    # core
    _P("username", "username", True, False, "form", _plain_input("Username")),
    _P("password", "password", True, False, "form", _plain_input("Password", "password")),
    _P("captcha", "captcha", True, False, "form", _labelled_input("Enter the captcha")),
    _P("rememberme", "rememberme", True, False, "form", _checkbox("Remember me")),
    _P("stayloggedin", "stayloggedin", True, False, "form", _checkbox("Keep me signed in")),
    _P("firstname", "name_first", True, False, "form", _labelled_input("First name")),
    _P("lastname", "name_last", True, False, "form", _labelled_input("Last name")),
    _P("fullname", "name_full", True, False, "form", _labelled_input("Full name")),
    _P("addressline1", "address_line1", True, False, "form", _labelled_input("Address")),
    _P("addressline2", "address_line2", True, False, "form", _plain_input("")),
    _P("city", "city", True, False, "form", _labelled_input("City")),
    _P("zipcode", "postal_code", True, False, "form", _labelled_input("ZIP code")),
    _P("state", "state", True, False, "form", _select("State", ("CA", "NY"))),
    _P("ccnumber", "credit_card_number", True, False, "form", _labelled_input("Card number")),
    _P("ccexpdate", "credit_card_expiration", True, False, "form", _labelled_input("Expiry date")),
    _P("cccvv", "credit_card_verification_code", True, False, "form", _labelled_input("Security code")),
    _P("cc", "credit_card_type", True, False, "form", _radios("Payment", ("Credit Card", "Debit Card"))),
    _P("departureairport", "departureairport", True, False, "form", _labelled_input("From")),
    _P("destinationairport", "destinationairport", True, False, "form", _labelled_input("To")),
    _P("departuredate", "departuredate", True, False, "form", _labelled_input("Depart")),
    _P("destinationdate", "destinationdate", True, False, "form", _labelled_input("Return")),
    _P("numberofpeople", "numberofpeople", True, False, "form", _labelled_input("Passengers")),
    _P("cabin", "cabin", True, False, "form", _radios("Cabin", ("Economy", "First"))),
    _P("flighttype", "flighttype", True, False, "form", _radios("Trip", ("Oneway", "Roundtrip"))),
]

PRIMITIVES: dict[str, Primitive] = {p.key: p for p in _ENTRIES}
"""Key -> primitive (40 entries; ``#none#`` is the generator's stop token, not a primitive)."""

CONCEPTS: tuple[str, ...] = tuple(sorted([*PRIMITIVES, NONE_KEY]))
"""All 41 design keys, sorted (as the original's ``CONCEPTS``)."""

CORE_CONCEPTS: tuple[str, ...] = tuple(sorted({p.concept for p in _ENTRIES if p.core}))
"""The 24 profile field names."""

DUMMY_FIELD = "_dummy"
MAX_PROFILE_FIELDS = 25

# Profile values: fixed strings, or a tuple = uniform choice among them.
PROFILE_VALUES: dict[str, str | tuple[str, ...]] = {
    "username": "john@email.com",
    "password": "pass",
    "captcha": "CaPtChA",
    "rememberme": ("true", "false"),
    "stayloggedin": ("true", "false"),
    "name_first": "John",
    "name_last": "Wick",
    "name_full": "John Wick",
    "address_line1": "413 E Mountain View",
    "address_line2": "2042",
    "city": "Mountain View",
    "postal_code": "95123",
    "state": ("CA", "NY"),
    "credit_card_number": "0000 0000 0000 0000",
    "credit_card_expiration": "2025",
    "credit_card_verification_code": "123",
    "credit_card_type": ("Credit Card", "Debit Card"),
    "departureairport": "San Francisco Airport (SFO)",
    "destinationairport": "Los Angeles Airport (LAX)",
    "departuredate": "10/02/2020",
    "destinationdate": "10/03/2020",
    "numberofpeople": ("1", "2", "3", "4", "5"),
    "cabin": ("Economy", "First"),
    "flighttype": ("Oneway", "Roundtrip"),
}

DEFAULT_NEXT_TEXT = "Continue"
DEFAULT_SUBMIT_TEXT = "Submit"
PAGE_CLASSES = ("page", "form-area", "main-form")


def sample_profile_value(concept: str, rng: np.random.Generator) -> str:
    """Draw the profile value of one core concept."""
    spec = PROFILE_VALUES[concept]
    if isinstance(spec, str):
        return spec
    return spec[int(rng.integers(len(spec)))]


def all_texts() -> set[str]:
    """Every attribute text the sites can show (used to freeze ``vocab.txt``)."""
    rng = np.random.default_rng(0)
    texts: set[str] = set(CONCEPTS) | set(CORE_CONCEPTS) | {DUMMY_FIELD, "visited", "true", "false"}
    texts |= {DEFAULT_NEXT_TEXT, DEFAULT_SUBMIT_TEXT, *PAGE_CLASSES, "div"}
    for spec in PROFILE_VALUES.values():
        texts |= {spec} if isinstance(spec, str) else set(spec)
    for prim in _ENTRIES:
        for node in prim.build(rng).walk():
            texts |= {node.obs_tag, node.cls, node.text, node.placeholder, *node.options}
    texts |= {str(i) for i in range(200)} | {"$", "btn", "btn-primary"}
    texts.discard("")
    return texts
