from flask import Blueprint

bp = Blueprint("rsvps", __name__)
