"""Blueprint for the followups area."""

from flask import Blueprint

bp = Blueprint("followups", __name__)
