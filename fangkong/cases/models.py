"""The models of cases and contacts (病例与密接)."""
