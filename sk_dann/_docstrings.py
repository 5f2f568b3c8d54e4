"""The numpydoc entries the DANN estimators share, written once.

``DANNClassifier`` and ``DANNRegressor`` take the same parameters but
``class_weight`` and have the same fitted attributes but the label ones;
each class docstring holds the markers ``{shared_parameters}`` and
``{shared_attributes}``, which :func:`with_shared_docs` replaces with the
entries below when the class is made (so ``help()``, IDEs, numpydoc and the
API reference see the whole text).
"""

__all__ = ["SHARED_ATTRIBUTES", "SHARED_PARAMETERS", "with_shared_docs"]

#: The parameters after the estimator's own (numpydoc, indented for a class docstring).
SHARED_PARAMETERS = """\
    feature_extractor : {"auto", "mlp", "mnist", "svhn"}, torch.nn.Module or None, \
default=None
        ``G_f``. ``None`` or ``"auto"``: an MLP (``"mlp"``, widths
        ``hidden_layer_sizes``) for 2-D X, the paper's MNIST network
        (``"mnist"``: conv 32@5x5, pool, conv 48@5x5, pool; label head
        100-100) for image arrays. ``"svhn"`` is the paper's larger SVHN
        network (conv 64, 64, 128 @5x5; label head 3072-2048). A module
        (a torchvision or timm backbone, your own CNN) is used as given,
        deep-copied at each ``fit``; its output is flattened per row.
    hidden_layer_sizes : tuple of int, default=(256,)
        Layer widths of the ``"mlp"`` feature extractor.
    domain_hidden_layer_sizes : tuple of int, default=(256,)
        Hidden widths of the domain head ``G_d``, which ends in one logit.
    activation : {"relu", "tanh", "sigmoid", "elu"}, default="relu"
        Activation after each hidden layer of the MLP extractor and the heads.
    dropout : float, default=0.0
        Dropout after each hidden layer of the MLP extractor and the heads.
    domain_input_layer : str or None, default=None
        Name of a submodule of the feature extractor (as in its
        ``named_modules()``) whose output feeds the domain head, for instance
        a backbone's ``"avgpool"``; later layers then serve the label head
        only. ``None``: the extractor's output feeds both heads.
    image_layout : {"auto", "NCHW", "NHWC", "raw"}, default="auto"
        How 3-D and 4-D X are read. ``"auto"``: 3-D is grey images
        ``(N, H, W)``; 4-D has its channels (1 to 4) on axis 1 or axis 3.
        ``"raw"``: N-d arrays go to your ``feature_extractor`` unchanged (no
        image preprocessing). Images may be ``uint8`` (scaled to [0, 1]) or
        float; they are converted batch by batch, never as a whole.
    image_normalization : {"channel", "imagenet"}, (mean, std) or None, \
default="channel"
        Per-channel normalisation of image batches after scaling:
        ``"channel"`` uses the mean and std of all training images (source
        and target), ``"imagenet"`` ImageNet's (for pretrained backbones),
        a pair of per-channel sequences is used as given, ``None`` skips it.
    augmentation : sk_dann.ImageAugmentation or None, default=None
        Random augmentation of training image batches (shifts, flips,
        brightness, contrast, noise), applied on the fly on the training
        device; ``predict`` never augments.
    lambda_max : float, default=0.3
        Final strength of the reversed domain gradient. ``0`` trains the
        same network with no adaptation (the source-only baseline). 0.3 was
        best on the embedded Office-Caltech features (mean target accuracy
        0.960 against 0.940 at 1.0 and 0.937 source-only; see
        ``benchmarks/office_defaults.py``); toy data with a large shift, such
        as the rotated moons, wants more (about 3).
    lambda_schedule : {"ramp", "constant"} or callable, default="ramp"
        ``"ramp"``: ``lambda = lambda_max * (2 / (1 + exp(-10 p)) - 1)``, with
        ``p`` the training progress in [0, 1]. A callable maps ``p`` to the
        factor.
    lr : float, default=0.01
        Initial learning rate ``mu0``.
    lr_schedule : {"annealed", "constant"} or callable, default="annealed"
        ``"annealed"``: ``lr = mu0 / (1 + 10 p) ** 0.75``.
    optimizer : {"sgd", "adam"} or torch.optim.Optimizer subclass, default="sgd"
        The optimizer of all three parts (the paper uses SGD with momentum).
        ``"sgd"`` and ``"adam"`` take torch's fused step (one kernel for all
        parameters) where torch has one for the device.
    momentum : float, default=0.9
        Momentum of SGD, in ``[0, 1]`` (ignored by other optimizers).
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    batch_size : int, default=64
        Rows per training batch: half source, half target (the smaller
        domain is resampled), so at least 2 when there are target rows (an
        odd size trains ``batch_size - 1`` rows a step). One epoch is one
        pass over the larger domain.
    max_epochs : int, default=100
        Epochs of ``fit``, and the horizon ``p = 1`` of the schedules.
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when available, else on the CPU.
    n_threads : int, "torch" or None, default=None
        CPU threads torch uses during ``fit`` and ``partial_fit`` (restored
        after); a fixed count also holds for ``predict``, ``transform`` and
        the other inference methods. ``None``: the usable CPUs (affinity mask, container quota)
        that no other runnable process occupies when the fit starts, at
        least 1 and at most torch's own setting. This avoids the slow-down of
        a thread pool that spins beside busy processes (several times slower
        on 2 cores beside one busy process; see ``docs/benchmarks.md``).
        An int fixes the count, which makes fits and predictions bit-for-bit
        repeatable whatever the machine's load or process (a Dask worker, a
        notebook); ``"torch"`` keeps torch's setting as it is (``-1``, its
        old spelling, is deprecated: scikit-learn's ``-1`` means all CPUs).
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs forward passes under ``torch.autocast`` in
        bfloat16 (mixed precision, on CUDA and on CPUs with bf16 matrix
        units); weights, optimizer state and losses stay float32.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order and dropout. Fitting uses
        its own RNG state; the global torch RNG is left as it was.
    verbose : int, default=0
        ``1`` prints a table of the per-epoch history; ``2`` also shows a
        progress bar over each epoch's batches. ``predict`` and ``score``
        never print.
    on_divergence : {"raise", "restore_best"}, default="raise"
        What a NaN or infinite training loss does. ``"raise"``: stop with
        :class:`~sk_dann.DivergenceError` naming the epoch, lambda and lr.
        ``"restore_best"``: stop, restore the weights of the finished epoch
        with the lowest training loss (with early stopping that loads the
        best weights, of the epoch it would keep, by its rule) and warn
        (:class:`~sk_dann.DivergenceWarning`); raises as ``"raise"`` if no
        epoch finished.
    warm_start : bool, default=False
        ``True``: a second ``fit`` continues from the fitted weights and
        optimizer state for ``max_epochs`` more epochs instead of starting
        afresh. The schedules go on from where the last fit left them: after
        a full fit they have ended (``p = 1``), so it continues at their end
        values, ``lambda_max * lambda_schedule(1)`` and ``lr *
        lr_schedule(1)`` (``lr / 6`` for ``"annealed"``), a new ``lr``
        included (a warning gives the rate); after an early stop they go on
        ramping and annealing. With ``lr_schedule="constant"`` the continued
        epochs train at ``lr`` as given. Parameters
        changed with ``set_params`` since (``lr``, the schedules,
        ``lambda_max``, ``optimizer``, ``momentum``, ``weight_decay``,
        ``batch_size``, ``device``, ``precision``, ...) take effect; changing
        one that shapes the network (``hidden_layer_sizes``, ``activation``,
        ``dropout``, ``feature_extractor``, the image options) raises.
    early_stopping : bool, default=False
        In ``fit`` (not ``partial_fit``), stop when the label loss on held-out labeled *source* rows
        (``validation_fraction`` of them, stratified by class for the
        classifier) has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. The classifier
        refuses a split that cannot keep every class on both sides; fewer
        than 10 validation rows warn. Source
        validation is only a proxy for the target: it rewards fitting the
        source, not adapting. A skorch ``EarlyStopping`` of your own in
        ``callbacks`` replaces the built-in one (it may monitor
        ``"valid_acc"`` with ``early_stopping=True``, or, for a label-free
        criterion, a training key such as ``"domain_loss"`` without it).
    validation_fraction : float, default=0.1
        Share of the labeled source rows held out when ``early_stopping``.
    n_iter_no_change : int, default=10
        Epochs without improvement before early stopping.
    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as improvement.
    callbacks : list or None, default=None
        Extra skorch callbacks, or ``(name, callback)`` pairs (``Checkpoint``, ``EarlyStopping``,
        ``LRScheduler``, TensorBoard, your own), deep-copied at each fit and
        run after sk_dann's own; the fitted ones are in ``net_.callbacks_``.
        A skorch ``LRScheduler`` here owns the learning rate (``lr_schedule``
        is then not applied). skorch's ``EpochScoring`` with a metric name
        does not fit DANN's internal targets; pass a callable, or score the
        fitted estimator with :mod:`sk_dann.model_selection`.
    distributed : "auto" or bool, default="auto"
        Data-parallel training of one ``fit`` over the processes of a
        ``torch.distributed`` group (launched by ``torchrun``), each
        process calling ``fit`` with the same data. ``"auto"``: when such a
        group of more than one process is initialised; ``True``: require
        one; ``False``: never (every process fits its own model). The
        network is wrapped in ``DistributedDataParallel``; ``batch_size`` is
        the batch of one step across all processes, so a fit on several
        processes follows the same steps, schedules and learning rate as in
        one process. Only rank 0 prints; every rank ends with the same
        weights and an ordinary fitted estimator. See "Beyond one machine"
        in the documentation.
    compile : bool, str or dict, default=False
        Train through ``torch.compile``: the forward pass and the loss of
        each training step (and so their backward pass) run as compiled
        graphs. A string is ``torch.compile``'s ``mode`` (``"default"``,
        ``"reduce-overhead"``, ``"max-autotune"``,
        ``"max-autotune-no-cudagraphs"``); a dict is passed to it as keyword
        arguments (``{"mode": "max-autotune", "dynamic": False}``; ``{}``
        is ``True``). The first step of each fit traces and compiles (seconds
        to a minute; ``compile_time_``); inference and the fitted model stay
        as without it. On a CPU it needs a C++
        compiler, and for the default MLP on precomputed features it is no
        faster than eager execution, whose steps are mostly matrix products
        (``docs/benchmarks.md``)."""

#: The fitted attributes after the estimator's own.
SHARED_ATTRIBUTES = """\
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Set when ``X`` has string column names.
    net_ : sk_dann.net.DANNNet
        The fitted skorch net.
    history_ : skorch.History
        Per epoch: ``train_loss``, ``label_loss``, ``domain_loss``,
        ``domain_acc`` (near 0.5 means domain-invariant features),
        ``lambda``, ``lr``, ``dur``.
    device_ : str
        The device the model was trained on.
    n_threads_ : int
        The CPU threads the last fit used.
    image_layout_ : str or None
        ``"NHW"``, ``"NCHW"`` or ``"NHWC"`` when fitted on images, else ``None``.
    input_shape_ : tuple
        Shape of one row of ``X`` (``(n_features,)``, or the image shape).
    best_epoch_ : int or None
        With early stopping (``early_stopping=True``, or an ``EarlyStopping``
        in ``callbacks``), the best epoch by its rule: the one whose weights
        were restored when it loads the best (the built-in one does).
    n_iter_ : int
        Epochs trained so far (``len(history_)``).
    world_size_ : int
        Processes the last fit was shared by (1 unless data-parallel).
    compile_time_ : float or None
        With ``compile``, the wall seconds of the last fit's first training
        step, where ``torch.compile`` traces and compiles (it is also in
        that epoch's ``dur``); ``None`` without."""


def with_shared_docs(cls):
    """Class decorator: fill the class docstring's shared-entry markers."""
    if cls.__doc__ is None:  # python -OO strips docstrings
        return cls
    for marker, text in (("{shared_parameters}", SHARED_PARAMETERS),
                         ("{shared_attributes}", SHARED_ATTRIBUTES)):
        if marker not in cls.__doc__:
            raise ValueError(f"{cls.__name__}'s docstring lacks {marker}")
        cls.__doc__ = cls.__doc__.replace(marker, text.lstrip())  # the marker is indented
    return cls
