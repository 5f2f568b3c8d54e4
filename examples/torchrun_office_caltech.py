"""
One DANN fit shared by several processes
========================================

Data-parallel, with torch.distributed. Launch it with torchrun; every process
runs this same script on the same data:

    torchrun --standalone --nproc_per_node 2 examples/torchrun_office_caltech.py

(on GPUs each process takes its own: ``--nproc_per_node`` = GPUs per machine;
on several machines see "Beyond one machine" in the documentation). Run as
``python examples/torchrun_office_caltech.py`` it trains in one process: the
same code, the same steps.

``batch_size`` is the batch of one step across all processes, so the fit
follows the same schedules as a single-process one; rank 0 prints, and saves
the fitted pipeline with ``--model``: an ordinary scikit-learn object that
predicts in any process.
"""
import argparse
import os

import numpy as np
import torch
import torch.distributed as dist
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains, save_model
from sk_dann.datasets import load_office_caltech


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="amazon")
    parser.add_argument("--target", default="webcam")
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="rows per step across all processes")
    parser.add_argument("--model", help="where rank 0 saves the fitted pipeline (sk_dann.save_model)")
    parser.add_argument("--weights-dir",
                        help="every rank saves its final weights here (rank<r>.pt)")
    args = parser.parse_args()

    launched = int(os.environ.get("WORLD_SIZE", "1")) > 1  # torchrun sets it
    if launched:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if launched else 0

    source, target = load_office_caltech(args.source), load_office_caltech(args.target)
    X, y = pack_domains(source.X, source.y, target.X)
    model = make_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=args.max_epochs, batch_size=args.batch_size, n_threads=1,
        random_state=0))
    model.fit(X, y)  # each rank trains on its share of every batch

    dann = model[-1]
    if args.weights_dir:
        torch.save(dann.net_.module_.state_dict(),
                   os.path.join(args.weights_dir, f"rank{rank}.pt"))
    if rank == 0:
        accuracy = np.mean(model.predict(target.X) == target.y)
        print(f"{args.source} -> {args.target}: target accuracy {accuracy:.3f} "
              f"({dann.world_size_} process(es), {dann.n_iter_} epochs, "
              f"batch {args.batch_size} per step)")
        if args.model:
            save_model(model, args.model, overwrite=True)
    if launched:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
