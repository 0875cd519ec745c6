from apiflask import APIBlueprint

bp = APIBlueprint("events_api", __name__)
