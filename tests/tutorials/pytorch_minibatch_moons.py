# The usual PyTorch mini-batch loop: pick the device, shuffle with randperm each epoch, Adam at its default rate,
# BCEWithLogitsLoss, evaluation under no_grad. Written for PyTorch; runs there as is.
import torch
from sklearn.datasets import make_moons

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

X_np, y_np = make_moons(n_samples=256, noise=0.1, random_state=0)
X = torch.tensor(X_np, dtype=torch.float32).to(device)
y = torch.tensor(y_np, dtype=torch.float32).reshape(-1, 1).to(device)

model = torch.nn.Sequential(
    torch.nn.Linear(2, 32),
    torch.nn.ReLU(),
    torch.nn.Linear(32, 32),
    torch.nn.ReLU(),
    torch.nn.Linear(32, 1),
).to(device)
optimizer = torch.optim.Adam(model.parameters())  # lr=1e-3, PyTorch's default
loss_fn = torch.nn.BCEWithLogitsLoss()

n, batch_size = len(X), 32
for _epoch in range(60):
    permutation = torch.randperm(n)
    for i in range(0, n, batch_size):
        batch = permutation[i : i + batch_size]
        loss = loss_fn(model(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

with torch.no_grad():
    accuracy = ((model(X) > 0).float() == y).float().mean().item()
print(f"accuracy {accuracy:.3f}")
