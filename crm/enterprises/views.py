"""Blueprint for the enterprises area."""

from flask import Blueprint

bp = Blueprint("enterprises", __name__)
