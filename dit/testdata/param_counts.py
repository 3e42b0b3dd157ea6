"""Prints the exact parameter count (pos_embed included) of the twelve DiT
configs of the paper at 256 px (input 32, 4 channels, 1000 classes,
learn_sigma), built by dit_torch.py: the expected values of
TestParamCounts."""
from dit_torch import DiT

sizes = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
for name, (depth, d, heads) in sizes.items():
    for p in (2, 4, 8):
        cfg = dict(depth=depth, hidden_size=d, num_heads=heads, patch_size=p, input_size=32, in_channels=4,
                   num_classes=1000, learn_sigma=True, class_dropout_prob=0.1)
        m = DiT(cfg)
        print(f'"DiT-{name}/{p}": {sum(x.numel() for x in m.parameters())},')
        del m
