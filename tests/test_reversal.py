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
