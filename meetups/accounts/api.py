from apiflask import APIBlueprint

bp = APIBlueprint("accounts_api", __name__)
