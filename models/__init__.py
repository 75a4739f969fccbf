"""The Pyomo formulation of MODEL.md: eligibility, variables, constraints, objective."""

from models.build import build_model
from models.eligibility import ModelData, model_data

__all__ = ["ModelData", "build_model", "model_data"]
