"""The on-disk set-up cache: computes once, reloads the same value, survives bad entries."""

from __future__ import annotations

import numpy as np

from skyshield import diskcache


def _io():  # noqa: ANN202 - (dump, load) of float arrays
    return (lambda a: np.asarray(a, np.float64).tobytes(),
            lambda b: np.frombuffer(b, np.float64).copy())


def test_computed_once_then_loaded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.array([1.5, np.pi, -0.0])

    a = diskcache.cached("t", "k", compute, *_io())
    b = diskcache.cached("t", "k", compute, *_io())
    assert calls == [1] and a.tobytes() == b.tobytes()  # the same bits, computed once
    c = diskcache.cached("t", "other key", compute, *_io())
    assert calls == [1, 1] and np.array_equal(a, c)


def test_bad_entry_or_folder_falls_back_to_computing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    diskcache.cached("t", "k", lambda: np.array([2.0]), *_io())
    for f in tmp_path.iterdir():
        f.write_bytes(b"garbage")  # a damaged entry (wrong size for the loader below)

    def load(b: bytes) -> np.ndarray:
        if len(b) != 8:
            raise ValueError("damaged")
        return np.frombuffer(b, np.float64)

    assert diskcache.cached("t", "k", lambda: np.array([3.0]), _io()[0], load)[0] == 3.0
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(blocked / "sub"))
    assert diskcache.cached("t", "k", lambda: np.array([4.0]), *_io())[0] == 4.0


def test_cached_setup_results_are_the_computed_ones(tmp_path, monkeypatch) -> None:
    """The country grid and the route geometry read back from the cache are the very values
    computed without it: the same grid bits and the same coordinates (WKB keeps doubles)."""
    import shapely

    from skyshield.geo.borders import Borders, borders
    from skyshield.world import routes

    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    shipped = borders()

    def fresh() -> Borders:
        b = Borders(shipped.geometry, shipped.names)
        b.disk_key = shipped.disk_key
        return b

    built = fresh()._build_grid()
    stored, loaded = fresh()._grid, fresh()._grid  # computed and written, then read back
    assert any(f.name.startswith("country_grid-") for f in tmp_path.iterdir())
    for g in (stored, loaded):
        assert (g.lon0, g.lat0) == (built.lon0, built.lat0)
        assert g.code.dtype == built.code.dtype and np.array_equal(g.code, built.code)
        assert np.array_equal(g.cand, built.cand)
    # the lookup through the loaded grid against the exact polygon test, random points
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(44.0, 56.0, 20_000), rng.uniform(14.0, 41.0, 20_000)
    b = fresh()
    assert np.array_equal(b._country_index(lat, lon), b._first_containing(lat, lon))

    for fn in (routes._grown, routes.border_chain):
        fn.cache_clear()
    try:
        codes = frozenset({"POL", "SVK"})
        want = shapely.buffer(routes.forbidden_geometry(codes), 6000.0,
                              quad_segs=routes.QUAD_SEGS)
        a = routes._grown(codes, 6000.0)
        routes._grown.cache_clear()
        c = routes._grown(codes, 6000.0)  # from the disk entry
        for g in (a, c):
            assert np.array_equal(shapely.get_coordinates(g), shapely.get_coordinates(want))
        line = routes._chain_line("south", 9000.0)
        for _ in range(2):  # computed, then read back
            routes.border_chain.cache_clear()
            ch = routes.border_chain("south", 9000.0)
            assert np.array_equal(ch.xy, shapely.get_coordinates(line))
    finally:
        for fn in (routes._grown, routes.border_chain):
            fn.cache_clear()


def test_cached_populated_places_are_the_geonames_table(tmp_path, monkeypatch) -> None:
    """The populated places read back from the cache are the table read from GeoNames."""
    from skyshield.model import population

    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    want = population._places_table()
    population.populated_places.cache_clear()
    try:
        for _ in range(2):  # computed and stored, then read back
            population.populated_places.cache_clear()
            pp = population.populated_places()
            for k, got in (("name", pp.name), ("lat", pp.lat), ("lon", pp.lon),
                           ("pop", pp.population)):
                assert got.dtype == want[k].dtype and got.tobytes() == want[k].tobytes()
        assert any(f.name.startswith("populated_places-") for f in tmp_path.iterdir())
    finally:
        population.populated_places.cache_clear()


def test_cached_frame_polygons_are_the_projected_ones(tmp_path, monkeypatch) -> None:
    """The countries projected to the frame and the assessment's simplified polygons, read
    back from the cache, are the geometries computed without it (same WKB)."""
    import shapely

    from skyshield.decide import assess
    from skyshield.geo.borders import DENSIFY_DEG, Borders, borders, to_frame

    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    shipped = borders()
    for _ in range(2):  # computed and stored, then read back
        b = Borders(shipped.geometry, shipped.names)
        b.disk_key = shipped.disk_key
        for iso, g in b.geometry.items():
            want = to_frame(shapely.segmentize(g, DENSIFY_DEG), b.frame)
            assert shapely.to_wkb(b.frame_geometry(iso)) == shapely.to_wkb(want)
    codes = ("POL", "ROU")
    for _ in range(2):
        assess._edge_set.cache_clear()
        e = assess._edge_set(codes)
        for iso, g in zip(codes, e.polygons, strict=True):
            want = shapely.orient_polygons(shapely.simplify(shipped.frame_geometry(iso),
                                                            assess.SIMPLIFY_M))
            assert shapely.to_wkb(g) == shapely.to_wkb(want)
    assess._edge_set.cache_clear()
    names = {f.name.split("-")[0] for f in tmp_path.iterdir()}
    assert {"border_in_frame_all", "assess_edges"} <= names
