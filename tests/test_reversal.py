import pickle

import torch

from sk_dann import GradientReversal


def test_identity_forward_and_reversed_scaled_gradient():
    layer = GradientReversal(lambda_=0.5)
    x = torch.randn(4, 3, requires_grad=True)
    out = layer(x)
    assert torch.equal(out, x)
    out.sum().backward()
    assert torch.allclose(x.grad, torch.full_like(x, -0.5))


def test_lambda_changes_between_batches_without_rebuilding():
    layer = GradientReversal(lambda_=1.0)
    grads = []
    for lam in (1.0, 3.0):
        layer.lambda_ = lam
        x = torch.ones(2, requires_grad=True)
        layer(x).sum().backward()
        grads.append(x.grad.clone())
    assert torch.allclose(grads[0], torch.tensor([-1.0, -1.0]))
    assert torch.allclose(grads[1], torch.tensor([-3.0, -3.0]))


def test_lambda_is_a_float_not_saved_in_the_state_dict_and_survives_pickling():
    layer = GradientReversal(lambda_=0.5)
    layer.lambda_ = 2
    assert isinstance(layer.lambda_, float) and layer.lambda_ == 2.0
    assert layer.state_dict() == {}  # models saved before 0.5 load unchanged
    loaded = pickle.loads(pickle.dumps(layer))
    x = torch.ones(3, requires_grad=True)
    loaded(x).sum().backward()
    assert loaded.lambda_ == 2.0 and torch.equal(x.grad, torch.full((3,), -2.0))


def test_a_layer_pickled_before_0_5_still_loads():
    # sk_dann < 0.5 kept lambda_ as a plain attribute and had no buffer.
    old = GradientReversal.__new__(GradientReversal)
    torch.nn.Module.__init__(old)
    old.__dict__["lambda_"] = 0.7
    loaded = pickle.loads(pickle.dumps(old))
    x = torch.ones(2, requires_grad=True)
    loaded(x).sum().backward()
    assert loaded.lambda_ == 0.7
    assert torch.allclose(x.grad, torch.full((2,), -0.7))


def test_a_compiled_layer_follows_lambda_without_compiling_again():
    # The strength is a tensor read by the graph, not a constant baked into
    # it: a schedule that changes it every step must not recompile.
    torch._dynamo.reset()
    layer = GradientReversal(lambda_=0.0)
    compiled = torch.compile(layer, backend="aot_eager")
    with torch._dynamo.config.patch(error_on_recompile=True):
        for lam in (0.0, 0.25, 3.0):
            layer.lambda_ = lam
            x = torch.ones(4, requires_grad=True)
            (compiled(x) * 2).sum().backward()
            assert torch.allclose(x.grad, torch.full((4,), -2.0 * lam))
