"""Blueprint for the projects area."""

from flask import Blueprint

bp = Blueprint("projects", __name__)
