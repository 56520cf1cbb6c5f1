"""PoolFormer's pooling mixer (the "pooling" mixer; Yu et al. 2022, "MetaFormer Is Actually What You
Need for Vision"): AvgPool(pool_size, stride 1, padding pool_size // 2, count_include_pad=False)(x)
- x over the sequence, per channel. No weights."""
import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..registry import Key, Mixer, mixer
from ..selftest import model_toml, selftest, spec_error


@mixer("pooling")
class Pooling(Mixer):
    """The mean over the centred window of pool_size tokens that lie inside the sequence, minus x."""
    keys = (Key("pool_size", int, 3, min=1),)

    def check(self, ctx):
        if self.p.pool_size % 2 == 0:
            raise SpecError("%s pool_size = %d must be odd: the window is centred on the token%s"
                            % (self.where, self.p.pool_size, ctx.for_layer()))
        if ctx.spec.input == "image" and ctx.spec.cls_token:
            raise SpecError("%s: pooling on the patch grid needs [embed] cls_token = false" % self.where)

    def forward(self, x, w, env):
        k = self.p.pool_size
        spec = env.spec
        if spec.input == "image":  # PoolFormer's AvgPool2d on the patch grid (tokens row by row)
            B, S, C = x.shape
            g = x.transpose(1, 2).reshape(B, C, spec.rows, spec.cols)
            y = F.avg_pool2d(g, k, stride=1, padding=k // 2, count_include_pad=False)
            return y.reshape(B, C, S).transpose(1, 2) - x
        y = F.avg_pool1d(x.transpose(1, 2), k, stride=1, padding=k // 2, count_include_pad=False)
        return y.transpose(1, 2) - x


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def naive_pooling(x, k):
    """Per token: the mean of the tokens within k // 2 of it that exist, minus the token."""
    B, S, C = x.shape
    y = np.zeros_like(x)
    for s in range(S):
        window = [j for j in range(s - k // 2, s + k // 2 + 1) if 0 <= j < S]
        y[:, s] = x[:, window].mean(axis=1) - x[:, s]
    return y


_CASE = model_toml(dim=6) + '[block]\nmixer = "pooling"\n[block.pooling]\npool_size = %d\n'


@selftest("pooling-vs-naive-window", spec=lambda k: _CASE % k, params=[{"k": 1}, {"k": 3}, {"k": 5}, {"k": 9}])
def _(case, k):
    for S in (1, 2, 4, 11):
        x = case.rand(2, S, 6)
        np.testing.assert_allclose(case.run("mixer", x).numpy(), naive_pooling(x.numpy(), k), rtol=1e-12, atol=1e-12)


@selftest("pooling-matches-poolformer-2d-on-one-row", spec=_CASE % 3)
def _(case):
    # PoolFormer's Pooling (timm poolformer.py) on a 1 x S grid is the 1-D form.
    x = case.rand(2, 7, 6)
    pool = torch.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    grid = x.transpose(1, 2)[:, :, None, :]  # [B, C, 1, S]
    want = (pool(grid) - grid)[:, :, 0, :].transpose(1, 2)
    torch.testing.assert_close(case.run("mixer", x), want, rtol=1e-12, atol=1e-12)


spec_error("pooling-size-odd", _CASE % 4, match="pool_size = 4 must be odd")
spec_error("pooling-size-positive", _CASE % 0, match="pool_size = 0: must be >= 1")


def naive_grid_pooling(x, k, rows, cols):
    """Per token of a rows x cols grid (row by row): the mean of the grid neighbours within k // 2
    rows and columns that exist, minus the token."""
    y = np.zeros_like(x)
    h = k // 2
    for r in range(rows):
        for q in range(cols):
            window = [i * cols + j for i in range(r - h, r + h + 1) for j in range(q - h, q + h + 1)
                      if 0 <= i < rows and 0 <= j < cols]
            y[:, r * cols + q] = x[:, window].mean(axis=1) - x[:, r * cols + q]
    return y


_GRID = ('[model]\nname = "case"\ndim = 6\nlayers = 1\ninput = "image"\noutput = "hidden"\n'
         '[embed]\nimage_size = [12, 20]\npatch = 4\ncls_token = false\nposition = "none"\n'
         '[block]\nmixer = "pooling"\n[block.pooling]\npool_size = %d\n')


@selftest("pooling-on-the-patch-grid-vs-naive", spec=lambda k: _GRID % k, params=[{"k": 1}, {"k": 3}, {"k": 5}])
def _(case, k):
    x = case.rand(2, 15, 6)  # a 3 x 5 grid
    np.testing.assert_allclose(case.run("mixer", x).numpy(), naive_grid_pooling(x.numpy(), k, 3, 5),
                               rtol=1e-12, atol=1e-12)


spec_error("pooling-grid-without-class-token",
           _GRID.replace("cls_token = false", "cls_token = true") % 3, match="needs \\[embed\\] cls_token = false")
