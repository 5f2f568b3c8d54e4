"""``DANNClassifier``: domain-adversarial training as a scikit-learn classifier."""
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _assert_all_finite, check_is_fitted

from ._callers import warn_if_scored_on_packed_labels
from ._docstrings import with_shared_docs
from .base import BaseDANN, _format_labels
from .domains import UNLABELED, unlabeled_mask
from .net import DANNLoss

__all__ = ["DANNClassifier"]


@with_shared_docs
class DANNClassifier(ClassifierMixin, BaseDANN):
    """Domain-adversarial neural network classifier (Ganin et al., JMLR 2016).

    Learns features that predict the class on the labeled source domain and
    that a domain classifier, trained against them through a gradient
    reversal layer, cannot tell apart between source and target.

    Parameters
    ----------
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the label loss (multiplied with
        ``sample_weight``): a dict ``{label: weight}`` (missing labels get
        1), or ``"balanced"``: ``n_labeled / (n_classes * count(label))`` over
        the labeled rows, as in scikit-learn.
    {shared_parameters}

    Attributes
    ----------
    classes_ : ndarray
        The class labels (never the ``-1`` unlabeled marker of packed data).
    {shared_attributes}

    Examples
    --------
    >>> from sk_dann import DANNClassifier
    >>> from sk_dann.datasets import make_domain_moons
    >>> Xs, ys, Xt, yt = make_domain_moons(random_state=0)
    >>> clf = DANNClassifier(random_state=0).fit(Xs, ys, X_target=Xt)
    >>> clf.predict(Xt).shape
    (300,)
    """

    _parameter_constraints = {
        **BaseDANN._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    _MARKER = "y == -1"
    _STRATIFY_VALIDATION = True
    _criterion = DANNLoss

    def __init__(self, *, class_weight=None, feature_extractor=None,
                 hidden_layer_sizes=(256,), domain_hidden_layer_sizes=(256,),
                 activation="relu", dropout=0.0, domain_input_layer=None,
                 image_layout="auto", image_normalization="channel", augmentation=None,
                 lambda_max=0.3, lambda_schedule="ramp", lr=0.01, lr_schedule="annealed",
                 optimizer="sgd", momentum=0.9, weight_decay=0.0, batch_size=64,
                 max_epochs=100, device="auto", n_threads=None, precision="float32",
                 random_state=None, verbose=0, on_divergence="raise", warm_start=False,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 tol=1e-4, callbacks=None,
                 distributed="auto", compile=False):
        self.class_weight = class_weight
        super().__init__(
            feature_extractor=feature_extractor, hidden_layer_sizes=hidden_layer_sizes,
            domain_hidden_layer_sizes=domain_hidden_layer_sizes, activation=activation,
            dropout=dropout, domain_input_layer=domain_input_layer,
            image_layout=image_layout, image_normalization=image_normalization,
            augmentation=augmentation, lambda_max=lambda_max,
            lambda_schedule=lambda_schedule, lr=lr, lr_schedule=lr_schedule,
            optimizer=optimizer, momentum=momentum, weight_decay=weight_decay,
            batch_size=batch_size, max_epochs=max_epochs, device=device,
            n_threads=n_threads, precision=precision, random_state=random_state,
            verbose=verbose, on_divergence=on_divergence, warm_start=warm_start,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, tol=tol, callbacks=callbacks,
            distributed=distributed, compile=compile)

    def partial_fit(self, X, y, X_target=None, sample_domain=None, sample_weight=None,
                    classes=None):
        """Train one more epoch on ``(X, y)`` without resetting the network.

        The first call builds the network (with ``classes``, or the labels it
        sees). The schedules advance exactly as in ``fit``: ``max_epochs``
        calls on the same data follow the same lambda ramp and lr annealing
        as one ``fit``; later calls stay at their end values, and the first
        of them warns. Parameters
        changed with ``set_params`` take effect, except those that shape the
        network (see ``warm_start``).

        Parameters
        ----------
        X, y, X_target, sample_domain, sample_weight
            As in :meth:`fit`.
        classes : array-like, default=None
            Every class of the problem, on the first call (later calls may
            then miss some).

        Returns
        -------
        self
        """
        return self._fit(X, y, X_target, sample_domain, sample_weight, epochs=1,
                         classes=classes)

    # -- what a label is -------------------------------------------------------
    def _check_y(self, y, n_rows):
        y = super()._check_y(y, n_rows)
        if y.dtype.kind == "f":
            _assert_all_finite(y, input_name="y")
        elif y.dtype == object:
            missing = [i for i, v in enumerate(y.tolist()) if v is None or (
                isinstance(v, float) and v != v)]
            if missing:
                raise ValueError(
                    f"y has {len(missing)} missing labels (None or NaN), e.g. in row "
                    f"{missing[0]}. Drop those rows, or pack them as unlabeled target "
                    "rows with y == -1.")
        return y

    def _check_marker_unambiguous(self):
        if UNLABELED in self.classes_.tolist():
            raise ValueError(
                "This model has -1 among its classes (it was fitted with X_target), "
                "so y == -1 in packed data would be ambiguous. Pass the target rows "
                "as X_target=... here too.")

    def _encode_labels(self, y_labeled, reset, classes, n_marked, packed):
        y_labeled = _natural_labels(y_labeled)
        check_classification_targets(y_labeled)
        if reset:
            given = classes is not None
            encoder = LabelEncoder().fit(_natural_labels(np.asarray(classes)) if given
                                         else y_labeled)
        else:
            encoder = LabelEncoder().fit(self.classes_)
        unseen = set(np.unique(y_labeled).tolist()) - set(encoder.classes_.tolist())
        if unseen and reset:  # only classes= can miss a label of a first fit
            raise ValueError(
                f"y has labels {_format_labels(unseen)} that are not in classes="
                f"{_format_labels(encoder.classes_)}; classes must list every class of "
                "the problem (np.unique of all labels, including those later calls "
                "will see).")
        if unseen:
            raise ValueError(
                f"y has labels {_format_labels(unseen)} that are not among the classes "
                f"{_format_labels(self.classes_)}. Continued training keeps the classes "
                "of the first fit; pass every class to the first partial_fit (classes=...).")
        if reset:
            if len(encoder.classes_) < 2:
                raise ValueError(_one_class_message(encoder.classes_.tolist()[0], n_marked,
                                                    given=given))
            self.classes_ = encoder.classes_
        return encoder.transform(y_labeled).astype(np.float64)

    def _label_weights(self, codes, counted):
        if self.class_weight is None:
            return np.ones(len(codes))
        codes = codes.astype(np.int64)
        if self.class_weight == "balanced":
            present = np.unique(codes[counted])
            per_class = np.ones(len(self.classes_))
            per_class[present] = compute_class_weight("balanced", classes=present,
                                                      y=codes[counted])
        else:
            unknown = [k for k in self.class_weight if k not in self.classes_.tolist()]
            if unknown:
                raise ValueError(f"class_weight has keys {unknown[:10]} that are not among "
                                 f"the classes {self.classes_.tolist()[:20]}.")
            per_class = np.array([float(self.class_weight.get(c, 1.0))
                                  for c in self.classes_.tolist()])
            if (per_class < 0).any() or not np.isfinite(per_class).all():
                raise ValueError("class_weight values must be finite numbers >= 0.")
        return per_class[codes]

    def _n_outputs(self):
        return len(self.classes_)

    # -- inference ---------------------------------------------------------------
    def _class_logits(self, X):
        warn_if_scored_on_packed_labels(self)
        return self._head_output(X, "label_logits")

    def decision_function(self, X):
        """Class logits of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or image array
            Rows to score; no domain information is needed.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the logit of ``classes_[1]`` minus that of
            ``classes_[0]``.
        """
        logits = self._class_logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X):
        """Class probabilities of ``X``.

        Parameters
        ----------
        X : array-like or image array
            Rows of any domain.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        logits = self._class_logits(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predicted class of each row of ``X``.

        Parameters
        ----------
        X : array-like or image array
            Rows to classify, shaped like the training data.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        logits = self._class_logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy on the labeled rows of ``(X, y)``; rows with ``y == -1`` are skipped.

        On packed data this is the accuracy on held-out labeled (source) rows,
        which is what ``GridSearchCV``'s default scoring then maximises. When
        ``-1`` is one of ``classes_`` (fitted with ``X_target`` on ``{-1, +1}``
        labels), every row counts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or image array
        y : array-like of shape (n_samples,)
            True labels; ``-1`` marks rows to skip (unless ``-1`` is a class).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
            Accuracy in [0, 1].
        """
        check_is_fitted(self)
        y = np.asarray(y)
        labeled = (np.ones(len(y), dtype=bool) if UNLABELED in self.classes_.tolist()
                   else ~unlabeled_mask(y))
        return self._score_labeled(X, y, labeled, accuracy_score, sample_weight)




def _one_class_message(label, n_marked, given=False):
    if given:
        return (f"classes=[{label!r}] lists 1 class; a classifier needs at least 2. "
                "Pass every class of the problem, e.g. classes=np.unique(y_all).")
    message = (f"y has 1 class ({label!r}) among its labeled rows; a classifier needs "
               "at least 2 classes.")
    if n_marked:
        message += (
            f" The other {n_marked} rows have y == -1, which in packed data marks "
            "unlabeled target rows. If -1 is one of your classes (the {-1, +1} "
            "convention), pass the target rows separately, fit(X_source, y_source, "
            "X_target=X_target), where -1 is an ordinary class, or recode the labels "
            "(e.g. np.where(y == -1, 0, y)) before packing.")
    return message


def _natural_labels(y):
    """Labels of one plain type held in an object array get that type's dtype.

    Packing turns ``y`` into an object array whenever ``-1`` joins labels
    numpy would not mix with it (bools, say); scikit-learn's target checks
    call object arrays of numbers "unknown", so give them back their dtype.
    """
    if y.dtype != object or len(y) == 0:
        return y
    if any(isinstance(v, (tuple, list, set, dict, np.ndarray)) for v in y):
        raise ValueError(
            "y holds sequences (e.g. tuples) as labels; DANNClassifier needs one "
            "scalar label per row (int, str, bool, ...). Map each label to a "
            "string or an integer first.")
    if len({type(v) for v in y}) == 1:
        natural = np.asarray(y.tolist())
        if natural.dtype.kind in "biufU":
            return natural
    return y
