"""A PyTorch MLP training script, ported by changing its imports: chainrule where it said torch.

Everything below the imports is plain PyTorch: a Module with Linear, ReLU and Dropout; a
DataLoader that shuffles with a seeded Generator; Adam with a StepLR schedule; gradient-norm
clipping; train()/eval(); a ``no_grad`` evaluation with ``.item()``, ``.size(0)`` and
``output.max(1)``; ``.to(device)`` with "cuda" when there is one; and the state_dict saved with
``torch.save`` and loaded back with ``torch.load``. It trains on the 5,000 MNIST digits shipped
with chainrule (4,000 train, 1,000 test): about 90% test accuracy after 3 epochs, in seconds.

The same file runs on PyTorch after the reverse edits: ``chainrule.data`` → ``torch.utils.data``,
then ``chainrule`` → ``torch``, keeping ``chainrule.data.datasets`` (which hands the digits over
as NumPy arrays). tests/examples/test_example_pytorch_port.py runs it both ways.

    python examples/pytorch_port.py
    python examples/pytorch_port.py --epochs 1 --checkpoint /tmp/mlp.pt
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import chainrule as torch
import chainrule.nn.functional as F
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset
from chainrule.data.datasets import mnist_sample  # NumPy arrays, whichever library trains


class Net(nn.Module):
    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        return self.fc2(x)


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    total_loss = 0.0
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.cross_entropy(output, target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        total_loss += loss.item() * data.size(0)
        if args.log_interval and batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]\tLoss: {loss:.6f}")
    return total_loss / len(train_loader.dataset)


@torch.no_grad()
def evaluate(model, device, test_loader):
    model.eval()
    test_loss, correct = 0.0, 0
    for data, target in test_loader:
        data, target = data.to(device), target.to(device)
        output = model(data)
        test_loss += F.cross_entropy(output, target, reduction="sum").item()
        _, pred = output.max(1)
        correct += (pred == target).sum().item()
    n = len(test_loader.dataset)
    return test_loss / n, correct / n


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--gamma", type=float, default=0.7, help="learning-rate decay per epoch (StepLR)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--max-grad-norm", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-interval", type=int, default=0, help="print every this many batches (0: never)")
    parser.add_argument("--checkpoint", default="pytorch_port_mlp.pt", help="where the state_dict is saved")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    x_train, y_train, x_test, y_test = (t.numpy() for t in mnist_sample(flatten=False))
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    test_set = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))
    generator = torch.Generator()
    generator.manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = Net(args.hidden).to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    history: dict = {"train_loss": [], "test_loss": [], "accuracy": [], "lr": []}
    for epoch in range(1, args.epochs + 1):
        train_loss = train(args, model, device, train_loader, optimizer, epoch)
        test_loss, accuracy = evaluate(model, device, test_loader)
        history["lr"].append(scheduler.get_last_lr()[0])
        scheduler.step()
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"accuracy {accuracy:.1%}, lr {history['lr'][-1]:.2e}")  # fmt: skip
        for key, value in zip(("train_loss", "test_loss", "accuracy"), (train_loss, test_loss, accuracy), strict=True):
            history[key].append(value)

    torch.save(model.state_dict(), args.checkpoint)
    restored = Net(args.hidden).to(device)
    restored.load_state_dict(torch.load(args.checkpoint))
    history["restored_test"] = evaluate(restored, device, test_loader)
    print(f"restored from {args.checkpoint}: accuracy {history['restored_test'][1]:.1%}")
    return history


if __name__ == "__main__":
    main()
