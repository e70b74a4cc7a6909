# micrograd's moons demo (demo.ipynb), written as a PyTorch user vectorises it: an MLP 2-16-16-1,
# the SVM "max-margin" loss with L2 regularisation, plain SGD with a decaying rate under no_grad,
# and the accuracy from elementwise comparisons.
import random

import numpy as np
import torch
from sklearn.datasets import make_moons

np.random.seed(1337)
random.seed(1337)
torch.manual_seed(1337)

X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1  # make y be -1 or 1

model = torch.nn.Sequential(
    torch.nn.Linear(2, 16),
    torch.nn.ReLU(),
    torch.nn.Linear(16, 16),
    torch.nn.ReLU(),
    torch.nn.Linear(16, 1),
)
print(model)
print("number of parameters", sum(p.numel() for p in model.parameters()))

inputs = torch.tensor(X, dtype=torch.float32)
labels = torch.tensor(y)


def loss():
    scores = model(inputs).squeeze(1)
    # svm "max-margin" loss
    losses = (1 + -labels * scores).relu()
    data_loss = losses.mean()
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p * p).sum() for p in model.parameters())
    total_loss = data_loss + reg_loss
    # also get accuracy
    accuracy = ((labels > 0) == (scores > 0)).float().mean()
    return total_loss, accuracy


for k in range(100):
    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9 * k / 100
    with torch.no_grad():
        for p in model.parameters():
            p -= learning_rate * p.grad

    if k % 10 == 0:
        print(f"step {k} loss {total_loss.item()}, accuracy {acc.item() * 100}%")

total_loss, acc = loss()
print(f"final loss {total_loss.item()}, accuracy {acc.item() * 100}%")
