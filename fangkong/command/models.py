"""The models of command centre (指挥部)."""
