"""Training throughput of Genrescope's mel CNN, the same architecture in PyTorch on CPU.

The network is `Architecture::Cnn2d` of genrescope-core for the mel input (128 x 603):
four blocks of conv 3x3 (padding "same") -> batch norm -> ReLU -> 2x2 max pool with
8, 16, 32, 64 channels, a global average, dropout 0.3 and a linear layer to 8 genres;
Adam (lr 1e-3), cross-entropy, batches of 16 random normal inputs.

usage: torch_train.py [steps] [threads]   -> prints "samples/s <x>"
"""
import sys
import time

import torch
from torch import nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(42)

ROWS, FRAMES, CLASSES, BATCH = 128, 603, 8, 16


class Cnn2d(nn.Module):
    def __init__(self):
        super().__init__()
        layers, c_in, h, w = [], 1, ROWS, FRAMES
        for c in (8, 16, 32, 64):
            ph, pw = (2 if h >= 2 else 1), (2 if w >= 2 else 1)
            layers += [nn.Conv2d(c_in, c, 3, padding="same"), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.MaxPool2d((ph, pw), (ph, pw))]
            c_in, h, w = c, h // ph, w // pw
        self.blocks = nn.Sequential(*layers)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(c_in, CLASSES)

    def forward(self, x):
        x = self.blocks(x.reshape(-1, 1, ROWS, FRAMES)).mean(dim=(2, 3))
        return self.head(self.dropout(x))


model = Cnn2d().train()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(BATCH, ROWS * FRAMES)
y = torch.randint(0, CLASSES, (BATCH,))


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


step()  # warm-up
start = time.perf_counter()
for _ in range(steps):
    step()
elapsed = time.perf_counter() - start
print(f"samples/s {steps * BATCH / elapsed:.2f}")
