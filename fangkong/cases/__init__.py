"""Cases and contacts (病例与密接)."""
