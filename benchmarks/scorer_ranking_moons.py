"""How each unsupervised scorer ranks DANN models on the rotated moons.

For seeds 0-2 (``--seeds``) and lambda_max in (0, 3, 10) (lr=0.05, 300
epochs), fits on a rotated-moons draw, then scores a fresh draw (a packed
validation fold) with every unsupervised scorer, next to the true target
accuracy. The table in docs/model_selection.md comes from here.

    python benchmarks/scorer_ranking_moons.py

Writes ``<out>/scorer_ranking_moons.md`` and ``.json`` (default: benchmarks/results).
"""
from _harness import machine, make_parser, save_results
from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import make_domain_moons
from sk_dann.model_selection import unsupervised_scorers

SEEDS, LAMBDAS = (0, 1, 2), (0.0, 3.0, 10.0)


def main():
    args = make_parser(__doc__, seeds=SEEDS).parse_args()
    scorers = unsupervised_scorers()
    rows = []
    for lambda_max in LAMBDAS:
        per_seed = []
        for seed in args.seeds:
            Xs, ys, Xt, _ = make_domain_moons(n_samples=300, random_state=seed)
            model = DANNClassifier(lambda_max=lambda_max, lr=0.05, max_epochs=300,
                                   random_state=seed).fit(*pack_domains(Xs, ys, Xt))
            Xs_val, ys_val, Xt_val, yt_val = make_domain_moons(
                n_samples=200, random_state=100 + seed)
            X_val, y_val = pack_domains(Xs_val, ys_val, Xt_val)
            result = {"target accuracy": model.score(Xt_val, yt_val)}
            result.update({name: scorer(model, X_val, y_val)
                           for name, scorer in scorers.items()})
            per_seed.append(result)
        rows.append((lambda_max, per_seed))

    columns = ["target accuracy", *scorers]
    seeds = "/".join(map(str, args.seeds))
    lines = ["| lambda_max | " + " | ".join(f"{c} (seed {seeds})" for c in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for lambda_max, per_seed in rows:
        lines.append(f"| {lambda_max:g} | " + " | ".join(
            " / ".join(f"{r[c]:.3f}" for r in per_seed) for c in columns) + " |")
    save_results(args.out, "scorer_ranking_moons", "\n".join(lines),
                 [{"lambda_max": lam, "per_seed": per_seed} for lam, per_seed in rows],
                 machine(seeds=args.seeds))


if __name__ == "__main__":
    main()
