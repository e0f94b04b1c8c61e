"""Interoperability: ASTERIX radar data in, Cursor-on-Target out, runs as GeoJSON and CZML.

Each module speaks one outside format and depends on nothing the server owns, so the live
server, the CLI and the tests use the same code:

- `flights`: trajectory samples of a run cut into flights, WGS84 to ECEF, space-time thinning;
- `geojson`: a run as an RFC 7946 FeatureCollection (tracks, kills, debris, NATO crossings);
- `czml`: a run as a CZML document Cesium plays as is (time-dynamic, interpolated positions);
- `cot`: a picture as Cursor-on-Target XML events, and UDP/TCP senders;
- `asterix`: EUROCONTROL ASTERIX CAT048 / CAT062 codec, UDP ingest and feed.
"""
