"""The lecture's first computational graph, f = (x + y)·z at x = −2, y = 5, z = −4,
and the sigmoid neuron f(w, x) = σ(w0·x0 + w1·x1 + w2): values forward, gradients backward."""

import chainrule as cr


def add_multiply() -> None:
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    y = cr.tensor(5.0, requires_grad=True, name="y")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.retain_grad()
    f = q * z
    f.backward()
    print("f = (x + y) * z")
    print(f"  forward:  q = x + y = {q.item():g},  f = q * z = {f.item():g}")
    print(f"  backward: df/dq = z = {q.grad.item():g},  df/dz = q = {z.grad.item():g}")
    print(f"            df/dx = df/dq * dq/dx = {x.grad.item():g},  df/dy = {y.grad.item():g}")


def sigmoid_neuron() -> None:
    w = cr.tensor([2.0, -3.0, -3.0], dtype=cr.float64, requires_grad=True, name="w")
    x = cr.tensor([-1.0, -2.0], dtype=cr.float64, requires_grad=True, name="x")
    f = 1 / (1 + (-(w[0] * x[0] + w[1] * x[1] + w[2])).exp())
    f.backward()
    print("f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    print(f"  forward:  f = {f.item():.2f}")
    dw, dx = ([round(v, 2) for v in t.grad.tolist()] for t in (w, x))
    print(f"  backward: df/dw = {dw},  df/dx = {dx}")
    ok = cr.gradcheck(lambda w, x: (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid(), [w, x])
    print(f"  gradcheck against central differences: {'passed' if ok else 'FAILED'}")


if __name__ == "__main__":
    add_multiply()
    sigmoid_neuron()
