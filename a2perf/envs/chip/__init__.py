"""The chip domain: Circuit Training macro placement, open and vectorised.

Modules (none imports gymnasium except ``env``):
- ``netlist``: ``read_netlist(path) -> Netlist`` for ``.pb.txt``/``.pb.txt.gz``, ``write_netlist``.
- ``plc``: ``read_plc``, ``apply_placement``, ``write_plc`` (``.plc`` header and body).
- ``design``: ``load_design(netlist, plc=None, **overrides) -> (Netlist, CostConfig, PlcHeader)``.
- ``cost``: ``CostConfig``, ``CostModel(netlist, config).evaluate() -> CostResult``, ``IncrementalCost``.
- ``reference``: loop-by-loop ``reference_cost`` (cross-check and speed baseline).
- ``legality``: ``legal_mask`` (cells where a macro fits without overlaps).
- ``fd``: ``FDPlacer`` (force-directed soft-macro placement), ``legalize_hard_macros``.
- ``generator``: ``generate(preset, seed)`` synthetic designs (toy, small, medium, ariane).
- ``observation``: ``GraphFeatures`` (Circuit Training's graph observation).
- ``core``: ``Floorplan`` (episode logic); ``env``: ``CircuitEnv``, ``ArianeEnv``.
- ``render``: ``render_png``/``render_rgb``; ``tasks``: ``generalization_tasks()``; ``cli``: ``a2perf chip``.
"""
