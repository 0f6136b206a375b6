"""A twin's training state in Keras' terms, and loading it into another twin: what step parity
(:mod:`benchmarks.harness.step_parity`) puts every twin into before one shared step.

A state is ``{"weights": [float32 ndarray, Keras layer order], "slots": {slot name: [ndarray
per weight, same order]}, "iterations": int}``: the weights, the optimizer's slots by Keras 3's
names (:data:`SLOT_NAMES`; SGD's momentum in Keras' convention ``v = β·v − lr·g``) and the
optimizer steps taken, from which the learning-rate schedule's position follows. The functions
here serve the scratch, numba and Keras twins (:mod:`benchmarks.twins.scratch_numpy`,
``scratch_numba``, ``keras_default``); the PyTorch twin converts its own
(:mod:`benchmarks.twins.pytorch`).
"""

from __future__ import annotations

import numpy as np

#: the optimizer slots of each of kvsbench's optimizers, by Keras 3's names
SLOT_NAMES = {"sgd": (), "momentum": ("momentum",), "rmsprop": ("velocity",),
              "adam": ("momentum", "velocity")}


def check_state(state: dict, slot_names, n_weights: int) -> None:
    """ValueError (one line) unless ``state`` holds ``n_weights`` weights and exactly the slots
    ``slot_names``, one array per weight each."""
    weights, slots = state.get("weights", ()), state.get("slots", {})
    if len(weights) != n_weights or set(slots) != set(slot_names):
        raise ValueError(f"The state holds {len(weights)} weights and the slots "
                         f"{sorted(slots)}; this twin needs {n_weights} weights and the slots "
                         f"{sorted(slot_names)}: states pass between twins of one config only.")
    for name in slot_names:
        if len(slots[name]) != n_weights:
            raise ValueError(f"The state's slot {name!r} holds {len(slots[name])} arrays, "
                             f"not one per weight ({n_weights}).")


def get_arrays(weights, slots: dict, iterations: int) -> dict:
    """A state of copies of ``weights`` and of ``slots`` ({name: [array per weight]})."""
    return {"weights": [np.array(w, np.float32) for w in weights],
            "slots": {n: [np.array(a) for a in arrays] for n, arrays in slots.items()},
            "iterations": int(iterations)}


def set_arrays(state: dict, params, slots: dict) -> None:
    """Copy ``state`` into the live arrays ``params`` and ``slots`` (its ``iterations`` is the
    caller's to set)."""
    check_state(state, slots, len(params))
    for p, value in zip(params, state["weights"], strict=True):
        np.copyto(p, np.asarray(value).reshape(p.shape), casting="unsafe")
    for name, arrays in slots.items():
        for a, value in zip(arrays, state["slots"][name], strict=True):
            np.copyto(a, np.asarray(value).reshape(a.shape), casting="unsafe")


def scratch_slots(model, optimizer) -> dict:
    """The live slot arrays of a :mod:`scratch.optimizers` optimizer, {name: [per weight]}."""
    return {name: [optimizer.get_slot(p, name) for p in model.params]
            for name in optimizer._slot_names()}


def compiled_slots(model, compiled) -> dict:
    """The live slots of a :class:`scratch.compiled.CompiledEpoch` as {Keras name: [view per
    weight, in the weight's shape]}: it keeps two flat slots per parameter (W1, b1, W2, b2)."""
    from scratch.compiled import ADAM, MOMENTUM, RMSPROP

    names = {MOMENTUM: ("momentum",), RMSPROP: ("velocity",),
             ADAM: ("momentum", "velocity")}.get(compiled.rule, ())
    return {name: [compiled.slots[2 * k + j].reshape(p.shape)
                   for k, p in enumerate(model.params)]
            for j, name in enumerate(names)}


def keras_slot_variables(model) -> dict:
    """{Keras slot name: [optimizer variable per trainable weight, layer order]} of a compiled
    Keras model, its optimizer built first if no step has run yet."""
    opt = model.optimizer
    if not opt.built:
        opt.build(model.trainable_variables)
    lists = {"momentum": getattr(opt, "momentums", None) or getattr(opt, "_momentums", None),
             "velocity": getattr(opt, "_velocities", None)}
    return {name: [variables[opt._get_variable_index(v)] for v in model.trainable_variables]
            for name, variables in lists.items() if variables}


def keras_get_state(model) -> dict:
    slots = keras_slot_variables(model)
    return get_arrays([np.asarray(w) for w in model.get_weights()],
                      {n: [v.numpy() for v in vs] for n, vs in slots.items()},
                      int(np.asarray(model.optimizer.iterations.numpy())))


def keras_set_state(model, state: dict) -> None:
    slots = keras_slot_variables(model)
    check_state(state, slots, len(model.trainable_variables))
    model.set_weights([np.asarray(w, np.float32) for w in state["weights"]])
    for name, variables in slots.items():
        for v, value in zip(variables, state["slots"][name], strict=True):
            v.assign(np.asarray(value, np.float32))
    model.optimizer.iterations.assign(int(state["iterations"]))
