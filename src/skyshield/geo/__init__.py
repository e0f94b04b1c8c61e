"""geo: WGS84 geodesy, the theatre frame, country borders and zones.

Modules: `geodesy` (pyproj.Geod), `frame` (`THEATRE`, a fitted Lambert conformal conic),
`borders` (shipped Natural Earth polygons, `country_of`, distances, crossings), `zones`
(no-go / engagement areas), `basemap` (matplotlib drawing; import it explicitly).
"""

from skyshield.geo.frame import THEATRE, TheatreFrame

__all__ = ["THEATRE", "TheatreFrame"]
