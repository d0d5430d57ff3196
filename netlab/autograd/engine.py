"""The backward engine: an iterative walk of the graph (no recursion, any depth)."""

from __future__ import annotations

import heapq

from netlab.autograd.grad_mode import is_grad_enabled, set_grad_enabled
from netlab.autograd.node import AccumulateGrad


def _root_edge(t):
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    return t._grad_accumulator(), 0


def _count_dependencies(roots):
    """How many edges point into each node reachable from ``roots``."""
    deps: dict = {}
    stack = list({id(n): n for n in roots}.values())
    seen = set(stack)
    while stack:
        for edge in stack.pop().next_functions:
            if edge is None:
                continue
            nxt = edge[0]
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed_nodes(roots, targets):
    """The nodes from which some target is reachable (post-order DFS, iterative)."""
    needed = set()
    done = set()
    stack = [(n, iter(n.next_functions)) for n in roots]
    while stack:
        node, it = stack[-1]
        for edge in it:
            if edge is not None and edge[0] not in done:
                stack.append((edge[0], iter(edge[0].next_functions)))
                break
        else:
            stack.pop()
            if node in done:
                continue
            done.add(node)
            if node in targets or any(e is not None and e[0] in needed
                                      for e in node.next_functions):
                needed.add(node)
    return needed


def run_backward(tensors, grad_tensors, retain_graph: bool, create_graph: bool,
                 inputs=None, allow_unused: bool = False, accumulate: bool = True):
    """Propagate ``grad_tensors`` from ``tensors`` back through the graph.

    With ``accumulate`` the leaves' ``.grad`` are updated (``Tensor.backward``); otherwise the
    gradients reaching ``inputs`` are returned (``autograd.grad``) and no ``.grad`` changes.
    """
    roots = [(_root_edge(t), g) for t, g in zip(tensors, grad_tensors)]
    root_nodes = [edge[0] for edge, _ in roots]
    deps = _count_dependencies(root_nodes)

    capture = {}
    needed = None
    if inputs is not None:
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                key = (t.grad_fn, t._output_nr)
            elif t.requires_grad:
                key = (t._grad_accumulator(), 0)
            else:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(key, []).append(i)
        needed = _needed_nodes(root_nodes, {k[0] for k in capture})
    results = [None] * (len(inputs) if inputs is not None else 0)

    # run each node once every incoming edge has delivered its gradient; among ready nodes
    # the most recently created runs first, as in PyTorch
    buffers: dict = {}
    ready = []
    for (node, nr), g in roots:
        _accumulate(buffers, node, nr, g)
    for node in {id(n): n for n in root_nodes}.values():
        if node not in deps:
            heapq.heappush(ready, (-node._seq, id(node), node))

    prev_mode = is_grad_enabled()
    set_grad_enabled(create_graph)
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or [None] * _num_outputs(node)
            d = node.__dict__
            if isinstance(node, AccumulateGrad):
                if node.variable._leaf_hooks:
                    grads = _apply_leaf_hooks(node, grads)
            elif "_tensor_hooks" in d or "_retain_grad" in d or "_pre_node_hooks" in d:
                grads = _apply_pre_hooks(node, grads)
            if capture:
                for nr, g in enumerate(grads):
                    for i in capture.get((node, nr), ()):
                        results[i] = g
            if isinstance(node, AccumulateGrad):
                if accumulate:
                    node._run_backward(grads)
                continue
            if needed is not None and node not in needed:
                grad_inputs = (None,) * len(node.next_functions)
            else:
                if len(grads) > 1 and any(g is None for g in grads):
                    grads = _materialize(node, grads)
                grad_inputs = node._run_backward(grads)
                if not retain_graph:
                    node._release()
                if "_post_hooks" in d:
                    for hook in list(d["_post_hooks"].values()):
                        hook(grad_inputs, tuple(grads))
                if len(grad_inputs) != len(node.next_functions):
                    raise RuntimeError(
                        f"function {node.name()} returned an incorrect number of gradients "
                        f"(expected {len(node.next_functions)}, got {len(grad_inputs)})")
            for edge, gi in zip(node.next_functions, grad_inputs):
                if edge is None:
                    continue
                nxt, nr = edge
                if gi is not None:
                    _accumulate(buffers, nxt, nr, gi)
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
    finally:
        set_grad_enabled(prev_mode)

    if inputs is not None:
        if not allow_unused and any(r is None for r in results):
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior.")
        return tuple(results)
    return None


def _num_outputs(node):
    return getattr(node, "_num_outputs", 1)


def _accumulate(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * _num_outputs(node)
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _apply_leaf_hooks(node, grads):
    g = grads[0]
    if g is None:
        return grads
    for hook in list(node.variable._leaf_hooks.values()):
        new = hook(g)
        if new is not None:
            g = new
    return [g]


def _apply_pre_hooks(node, grads):
    d = node.__dict__
    grads = list(grads)
    for nr, hooks in d.get("_tensor_hooks", {}).items():
        if grads[nr] is None:
            continue
        for hook in list(hooks.values()):
            new = hook(grads[nr])
            if new is not None:
                grads[nr] = new
    for nr, ref in d.get("_retain_grad", {}).items():
        t = ref()
        if t is not None and grads[nr] is not None:
            t._retain(grads[nr])
    for hook in list(d.get("_pre_node_hooks", {}).values()):
        new = hook(tuple(grads))
        if new is not None:
            grads = list(new)
    return grads


def _materialize(node, grads):
    """Missing gradients of multi-output nodes become zeros (as PyTorch materialises them)."""
    shapes = node.__dict__.get("_output_meta")
    if shapes is None:
        return grads
    from netlab.tensor import Tensor

    out = list(grads)
    for i, g in enumerate(out):
        if g is None and shapes[i] is not None:
            shape, dt, dev = shapes[i]
            out[i] = Tensor._zeros(shape, dt, dev)
    return out
