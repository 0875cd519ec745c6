from flask import Blueprint

bp = Blueprint("communities", __name__)
