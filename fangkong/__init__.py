"""fangkong (防控): operations platform of a county epidemic prevention and control command centre."""

__version__ = "0.1.0"
