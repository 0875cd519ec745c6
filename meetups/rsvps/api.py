from apiflask import APIBlueprint

bp = APIBlueprint("rsvps_api", __name__)
