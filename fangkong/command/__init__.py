"""Command centre (指挥部)."""
