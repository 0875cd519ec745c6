from apiflask import APIBlueprint

bp = APIBlueprint("communities_api", __name__)
