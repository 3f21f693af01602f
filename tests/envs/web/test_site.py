import random

import numpy as np

from a2perf.envs.web.design import Design
from a2perf.envs.web.primitives import PRIMITIVES
from a2perf.envs.web.site import (
    K_END,
    K_NEXT,
    K_NONE,
    K_SUBMIT,
    SiteState,
    build_site,
    random_agent_success,
    step_reward,
)


def _site(*keys, pages=None, seed=0):
    pages = pages or (0,) * len(keys)
    return build_site(
        Design(max(pages, default=0) + 1, tuple(keys), tuple(pages)), np.random.default_rng(seed)
    )


def _run(state, actions):
    """Apply (field, element) actions; return the rewards with the env's reward rule."""
    rewards, phi = [], 0.0
    n = len(state.site.instances)
    for f, e in actions:
        state.apply(f, e)
        new_phi = state.correct_count() / n if n else 0.0
        rewards.append(round(step_reward(state.raw_reward, phi, new_phi, state.done, state.changed), 6))
        phi = new_phi
    return rewards


def test_layout_and_profile_of_a_login_form():
    site = _site("username", "submit")
    els = site.page_elements[0]
    assert [(e.tag, e.text) for e in els] == [
        ("div", ""),
        ("div", ""),
        ("div", ""),
        ("div", ""),
        ("input_text", ""),
        ("button", "Place order"),
    ]
    assert [e.id for e in els] == [f"n{i}" for i in range(6)]
    assert site.profile_keys == ["_dummy", "username"]
    assert site.profile_values == [None, "john@email.com"]


def test_oracle_like_trace_rewards_match_the_original_formula():
    # one field: 0 + (1 - 0) - 0.05 = 0.95, then submit: +1 -> 1.95 in total
    assert _run(SiteState(_site("username", "submit")), [(1, 4), (0, 5)]) == [0.95, 1.0]


def test_noop_penalty_and_wrong_submit():
    state = SiteState(_site("username", "submit"))
    # dummy value clears the field (newly visited: changed) -> -0.05; again: nothing changed -> -0.55
    assert _run(state, [(0, 4), (0, 4), (0, 0)]) == [-0.05, -0.55, -0.05]
    assert _run(state, [(0, 5)]) == [-1.0]
    assert state.done and state.raw_reward == -1.0


def test_overwriting_a_correct_field_loses_potential():
    state = SiteState(_site("username", "password"))
    assert _run(state, [(2, 4), (1, 4)]) == [
        0.45,
        -0.55,
    ]  # username correct (+0.5), then password typed over it


def test_checkbox_select_and_radio_rules():
    site = _site("rememberme", "state", "cc", seed=3)
    keys, values = site.profile_keys, site.profile_values
    assert keys == ["_dummy", "credit_card_type", "rememberme", "state"]
    els = site.page_elements[0]
    chk = next(i for i, e in enumerate(els) if e.tag == "input_checkbox")
    sel = next(i for i, e in enumerate(els) if e.tag == "select")
    radios = [i for i, e in enumerate(els) if e.tag == "input_radio"]
    state = SiteState(site)
    state.apply(0, chk)  # plain click toggles
    assert state.values[0][chk] == "true"
    state.apply(0, chk)
    assert state.values[0][chk] == "false"
    state.apply(keys.index("rememberme"), chk)
    assert state.values[0][chk] == values[keys.index("rememberme")]
    assert state.values[0][sel] == "CA"  # preselected
    state.apply(1, sel)  # "Credit Card"/"Debit Card" is not an option: unchanged
    assert state.values[0][sel] == "CA"
    state.apply(keys.index("state"), sel)
    assert state.values[0][sel] == values[keys.index("state")]
    # credit_card_type works (it never did in the original): acting on either option picks the gold one
    state.apply(1, radios[0])
    gold = values[1]
    assert [state.values[0][j] for j in radios] == [
        "true" if els[j].option_value == gold else "false" for j in radios
    ]
    state.apply(0, radios[1])  # plain click selects that option
    assert [state.values[0][j] for j in radios] == ["false", "true"]


def test_pages_advance_buttons_and_dead_buttons():
    site = _site("submit", "username", "next_login", "password", pages=(0, 0, 0, 1))
    p0 = site.page_elements[0]
    assert [e.kind for e in p0 if e.tag == "button"] == [
        K_NONE,
        K_NEXT,
    ]  # submit dead on page 0, next moved last
    assert p0[-1].text == "Log in and check out"
    p1 = site.page_elements[1]
    assert (p1[-1].text, p1[-1].kind) == ("Submit", K_SUBMIT)  # default submit added on the final page
    state = SiteState(site)
    state.apply(0, len(p0) - 1)
    assert state.page == 1 and state.changed and not state.done
    assert p1[0].id == f"n{len(p0)}"


def test_end_links_fail_the_episode():
    site = _site("navbar")
    els = site.page_elements[0]
    assert sum(e.kind == K_END for e in els) == 6
    state = SiteState(site)
    state.apply(0, next(i for i, e in enumerate(els) if e.text == "Home"))
    assert state.done and state.raw_reward == -1.0


def test_site_rendering_is_seeded():
    a, b = _site("cart", "cabin", seed=5), _site("cart", "cabin", seed=5)
    assert [e.text for e in a.page_elements[0]] == [e.text for e in b.page_elements[0]]
    assert a.profile_values == b.profile_values
    texts = {tuple(e.text for e in _site("cart", seed=s).page_elements[0]) for s in range(10)}
    assert len(texts) > 1  # cart prices vary with the seed


def test_random_agent_success_matches_closed_form():
    # only a submit button: 4 elements x 1 field; P = 1 - (3/4)^25
    rng = random.Random(0)
    p = random_agent_success(_site(), 4000, rng) / 4000
    assert abs(p - (1 - 0.75**25)) < 0.003
    # navbar: 18 elements, 6 end links, 1 submit -> P ~ 1/7 * (1 - (11/18)^25)
    p = random_agent_success(_site("navbar"), 4000, rng) / 4000
    assert abs(p - (1 / 7) * (1 - (11 / 18) ** 25)) < 0.02


def test_largest_possible_page_fits_the_observation():
    # repeated (key, page) pairs are dropped, so every primitive once is the biggest page a design can make
    site = _site(*PRIMITIVES)
    assert 100 < len(site.page_elements[0]) <= 250
    assert len(site.profile_keys) == 25  # _dummy + all 24 core concepts
