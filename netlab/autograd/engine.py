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


def _num_outputs(node):
    return getattr(node, "_num_outputs", 1)


def run_backward(tensors, grad_tensors, retain_graph: bool, create_graph: bool,
                 inputs=None, allow_unused: bool = False, accumulate: bool = True):
    """Propagate ``grad_tensors`` from ``tensors`` back through the graph.

    With ``accumulate`` the leaves' ``.grad`` are updated (``Tensor.backward``); otherwise the
    gradients reaching ``inputs`` are returned (``autograd.grad``) and no ``.grad`` changes.
    """
    roots = [(_root_edge(t), g) for t, g in zip(tensors, grad_tensors)]

    # 1. dependencies: how many edges point into each node (iterative DFS)
    deps: dict = {}
    order = []  # post-order, used to prune nodes that lead to no requested input
    seen = set()
    stack = []
    for (node, _), _g in roots:
        if id(node) not in seen:
            seen.add(id(node))
            stack.append((node, iter(node.next_functions)))
    while stack:
        node, it = stack[-1]
        for edge in it:
            if edge is None:
                continue
            nxt = edge[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append((nxt, iter(nxt.next_functions)))
                break
        else:
            stack.pop()
            order.append(node)

    # 2. what to capture, and which nodes are needed at all
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
        targets = {k[0] for k in capture}
        needed = set()
        for node in order:  # children come before parents in post-order
            if node in targets or any(e is not None and e[0] in needed
                                      for e in node.next_functions):
                needed.add(node)
    results = [None] * (len(inputs) if inputs is not None else 0)

    # 3. run the nodes whose every incoming edge has delivered its gradient
    buffers: dict = {}
    ready = []  # a heap: the most recently created node runs first, as in PyTorch
    queued = set()
    for (node, nr), g in roots:
        _accumulate(buffers, node, nr, g)
    for (node, _), _g in roots:
        if deps.get(node, 0) == 0 and id(node) not in queued:
            queued.add(id(node))
            heapq.heappush(ready, (-_seq(node), id(node), node))

    prev_mode = is_grad_enabled()
    set_grad_enabled(create_graph)
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or [None] * _num_outputs(node)
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
                grad_inputs = node._run_backward(_materialize(node, grads))
            if not retain_graph:
                node._release()
            post = node.__dict__.get("_post_hooks")
            if post:
                for hook in list(post.values()):
                    hook(grad_inputs, tuple(grads))
            _check_count(node, grad_inputs)
            for edge, gi in zip(node.next_functions, grad_inputs):
                if edge is None:
                    continue
                nxt, nr = edge
                if gi is not None:
                    _accumulate(buffers, nxt, nr, gi)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heapq.heappush(ready, (-_seq(nxt), id(nxt), nxt))
    finally:
        set_grad_enabled(prev_mode)

    if inputs is not None:
        for r in results:
            if r is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        return tuple(results)
    return None


def _seq(node):
    return getattr(node, "_seq", 0)


def _accumulate(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * _num_outputs(node)
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _apply_pre_hooks(node, grads):
    pre = node.__dict__.get("_tensor_hooks")
    if isinstance(node, AccumulateGrad):
        pre = node.variable._leaf_hooks
        if pre and grads[0] is not None:
            grads = list(grads)
            for hook in list(pre.values()):
                new = hook(grads[0])
                if new is not None:
                    grads[0] = new
        return grads
    if pre:
        grads = list(grads)
        for nr, hooks in pre.items():
            if grads[nr] is None:
                continue
            for hook in list(hooks.values()):
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = new
    retain = node.__dict__.get("_retain_grad")
    if retain:
        for nr, ref in retain.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                t._retain(grads[nr])
    node_pre = node.__dict__.get("_pre_node_hooks")
    if node_pre:
        for hook in list(node_pre.values()):
            new = hook(tuple(grads))
            if new is not None:
                grads = list(new)
    return grads


def _materialize(node, grads):
    """Missing gradients of multi-output nodes become zeros (as PyTorch materialises them)."""
    if None not in grads:
        return grads
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


def _check_count(node, grad_inputs):
    if len(grad_inputs) != len(node.next_functions):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected "
            f"{len(node.next_functions)}, got {len(grad_inputs)})")
