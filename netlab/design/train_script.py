"""A ready PyTorch training script for a design, runnable alone or under ``torchrun`` with
DistributedDataParallel.

The script embeds the model class of :func:`netlab.design.export.pytorch_code` and adds the
usual DDP boilerplate: process-group setup from torchrun's environment, a DistributedSampler,
a plain SGD loop, and a rank-0 checkpoint whose keys match the design's exported state_dict.
"""

from __future__ import annotations

from netlab.design.export import pytorch_code
from netlab.design.graph import INPUT, OUTPUT, Design
from netlab.design.infer import infer

# DataParallel splits the batch over every visible GPU. Under DDP each process drives exactly
# one device, so a DataParallel inside the model would fight DDP (and fails outright on ranks
# whose device is not cuda:0). KeepPrefix keeps the attribute ``module`` -- hence the same
# state_dict keys -- without scattering the batch.
_KEEP_PREFIX = '''

class KeepPrefix(nn.Module):
    """Stands in for nn.DataParallel: same ``module.`` state_dict prefix, no batch splitting
    (under DistributedDataParallel each process already drives one device)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)
'''

_MAIN = '''

INPUT_SHAPE = __INPUT_SHAPE__  # one sample, without the batch dimension
INPUT_DTYPE = __INPUT_DTYPE__
VOCAB = __VOCAB__  # for int64 token inputs: the Embedding's num_embeddings (synthetic data)
OUTPUT_SHAPE = __OUTPUT_SHAPE__
DEFAULT_LOSS = __LOSS__  # "cross_entropy": class indices as targets; "mse": regression


def parse_args():
    p = argparse.ArgumentParser(
        description="Train __CLASS__ on one machine or, under torchrun, with "
                    "DistributedDataParallel (e.g. torchrun --nproc_per_node=4 "
                    "train.py --epochs 10).")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32, help="per process")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--weights", default=__WEIGHTS__,
                   help="exported state_dict (.pt) to start from; 'module.' prefixes are "
                        "accepted (default: __WEIGHTS__ if it exists, else fresh weights)")
    p.add_argument("--data", default=None,
                   help="a .pt file holding {'x': tensor, 'y': tensor}; "
                        "default: synthetic random data")
    p.add_argument("--samples", type=int, default=512, help="size of the synthetic data")
    p.add_argument("--loss", choices=["cross_entropy", "mse"], default=DEFAULT_LOSS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="trained.pt", help="trained state_dict (.pt)")
    p.add_argument("--module-prefix", action="store_true",
                   help="save keys with DataParallel's 'module.' prefix")
    return p.parse_args()


def setup():
    """(rank, world_size, device); joins the process group when started by torchrun."""
    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rank = int(os.environ.get("RANK", 0))
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if distributed:
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return rank, world_size, device


def load_data(args):
    if args.data is not None:
        data = torch.load(args.data, map_location="cpu", weights_only=True)
        x, y = data["x"], data["y"]
    else:
        # Every rank draws the same data (same seed); the sampler gives each its share.
        g = torch.Generator().manual_seed(args.seed)
        if INPUT_DTYPE.is_floating_point:
            x = torch.randn((args.samples,) + INPUT_SHAPE, generator=g)
        elif VOCAB is not None:
            x = torch.randint(0, VOCAB, (args.samples,) + INPUT_SHAPE, generator=g)
        else:
            raise SystemExit(f"this model takes {INPUT_DTYPE} inputs, which synthetic data "
                             f"cannot guess: pass --data FILE.pt holding 'x' and 'y'")
        if args.loss == "cross_entropy":
            y = torch.randint(0, OUTPUT_SHAPE[0], (args.samples,), generator=g)
        else:
            y = torch.randn((args.samples,) + OUTPUT_SHAPE, generator=g)
    if args.loss == "mse":
        y = y.float()
    return TensorDataset(x.to(INPUT_DTYPE), y)


def load_weights(model, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    if set(state) != set(model.state_dict()):
        # weights exported from a design wrapped whole in DataParallel
        consume_prefix_in_state_dict_if_present(state, "module.")
    model.load_state_dict(state, strict=True)


def main():
    args = parse_args()
    rank, world_size, device = setup()
    torch.manual_seed(args.seed)
    model = __CLASS__()
    if args.weights is not None and (args.weights != __WEIGHTS__
                                     or os.path.exists(args.weights)):
        load_weights(model, args.weights)
        if rank == 0:
            print(f"started from {args.weights}", flush=True)
    model.to(device)
    if dist.is_initialized():
        model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    dataset = load_data(args)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True,
                                 seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    criterion = nn.CrossEntropyLoss() if args.loss == "cross_entropy" else nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)

    for epoch in range(args.epochs):
        model.train()
        sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every rank
        total = torch.zeros(2, device=device)  # sum of losses, number of samples
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()  # DDP averages the gradients over all processes here
            optimizer.step()
            total += torch.stack([loss.detach() * len(x), torch.tensor(len(x), device=device)])
        if dist.is_initialized():
            dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}  loss {(total[0] / total[1]).item():.6f}",
                  flush=True)

    if rank == 0:
        bare = model.module if isinstance(model, DDP) else model
        state = {k: v.detach().cpu() for k, v in bare.state_dict().items()}
        if args.module_prefix:
            state = {"module." + k: v for k, v in state.items()}
        torch.save(state, args.out)
        print(f"saved {args.out}", flush=True)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''

_IMPORTS = '''import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler
'''


def _single(design: Design, kind: str) -> str:
    nodes = [n for n in design.topological_order() if design.nodes[n].type == kind]
    if kind == OUTPUT and not nodes:  # as pytorch_code: the sinks are the outputs
        nodes = [n for n in design.topological_order() if not design.outputs_of(n)]
    if len(nodes) != 1:
        what = "input" if kind == INPUT else "output"
        raise ValueError(f"the training script needs a design with exactly one {what}; this "
                         f"one has {len(nodes)}")
    return nodes[0]


def training_script(design: Design, class_name: str = "Net", weights: str = "weights.pt") -> str:
    """Source of a PyTorch training script for ``design`` that runs as one process or under
    ``torchrun`` with DistributedDataParallel.

    The script holds the model class of :func:`~netlab.design.export.pytorch_code` (inner
    DataParallel wrappers become a prefix-keeping ``KeepPrefix``, and the whole-model one is
    dropped, since DDP wraps the bare module), starts from the exported ``weights`` when that
    file exists, trains with SGD on ``--data`` or synthetic data, and has rank 0 save the
    state_dict. The loss is cross-entropy when the output looks like class scores ``(N, C)``
    with ``C > 1``, else mean squared error. It imports only torch and the standard library.

    Parameters
    ----------
    design : Design
        A design without errors, with one input and one output.
    class_name : str
        Name of the model class in the script.
    weights : str
        Default for ``--weights``: the exported ``.pt`` the script starts from if present.

    Examples
    --------
    >>> code = training_script(design)  # doctest: +SKIP
    >>> open("train.py", "w").write(code)  # doctest: +SKIP

    Then run it with ``torchrun --nproc_per_node=2 train.py``.
    """
    info = infer(design)
    if info.errors:
        raise ValueError(f"fix the design's errors first: {next(iter(info.errors.values()))}")
    if not class_name.isidentifier():
        raise ValueError(f"class_name must be a Python identifier, got {class_name!r}")
    source = _single(design, INPUT)
    in_shape = info.nodes[source].shape[1:]
    in_dtype = design.nodes[source].params.get("dtype", "float32")
    vocab = next((info.nodes[e.dst].params["num_embeddings"] for e in design.outputs_of(source)
                  if design.nodes[e.dst].type == "Embedding"), None)
    out_shape = info.nodes[_single(design, OUTPUT)].shape[1:]
    loss = "cross_entropy" if len(out_shape) == 1 and out_shape[0] > 1 else "mse"

    code = pytorch_code(design, class_name)
    model_src = code[code.index(f"class {class_name}("):code.index("\ndef build_model():")]
    model_src = model_src.replace("nn.DataParallel(", "KeepPrefix(").rstrip("\n")
    keeps = "KeepPrefix(" in model_src
    main = (_MAIN.replace("__INPUT_SHAPE__", repr(tuple(in_shape)))
            .replace("__INPUT_DTYPE__", f"torch.{in_dtype}").replace("__VOCAB__", repr(vocab))
            .replace("__OUTPUT_SHAPE__", repr(tuple(out_shape)))
            .replace("__LOSS__", repr(loss)).replace("__WEIGHTS__", repr(weights))
            .replace("__CLASS__", class_name))
    header = (f'"""Train {class_name} (exported by NetLab Studio) on one machine or many.\n\n'
              f"    python train.py --epochs 10\n"
              f"    torchrun --nproc_per_node=NUM_GPUS train.py --epochs 10\n"
              f"    torchrun --nnodes=2 --node_rank=0 --master_addr=HOST --nproc_per_node=8 "
              f"train.py\n\n"
              f"--batch-size is per process. The saved state_dict has the design's keys "
              f"(add --module-prefix for\nDataParallel's 'module.' prefix) and loads with "
              f"strict=True.\n\"\"\"\n\n")
    imports = _IMPORTS
    if "OrderedDict(" in model_src:
        imports = imports.replace("import os\n", "import os\nfrom collections import OrderedDict\n")
    parts = [header, imports, _KEEP_PREFIX if keeps else "", "\n\n", model_src, "\n", main]
    return "".join(parts)
