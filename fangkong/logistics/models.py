"""The models of supplies and freight passes (物资与通行证)."""
