"""protonet: prototypes learn a simple episode."""
import random

import torch
from torch import nn

from metamap_edu.learn import ProtoNet, meta_train


def test_protonet_learns_a_simple_episode():
    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 4)

        def embed(self, xs):
            return self.lin(torch.tensor([list(x) for x in xs], dtype=torch.float32))

    class T(list):  # a minimal classification task
        kind = "classification"

    rng = random.Random(0)

    def sampler(r):
        pts = lambda c, n: [((c + r.gauss(0, 0.3), -c + r.gauss(0, 0.3)), str(c)) for _ in range(n)]  # noqa: E731
        return T(pts(0, 3) + pts(2, 3)), T(pts(0, 4) + pts(2, 4))

    torch.manual_seed(0)
    alg = ProtoNet(Enc(), outer_lr=1e-2)
    meta_train(alg, sampler, meta_batch_size=4, iterations=20, progress=False)
    assert alg.accuracy(sampler(rng)) >= 0.75
