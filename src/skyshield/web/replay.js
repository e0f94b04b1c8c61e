/* skyshield replay: an animated canvas map of threats and coalition aircraft.
 *
 * Plain JS, no dependencies. Used by the self-contained run report (fed a PackedTimeline
 * decoded from base64 typed arrays) and meant for the live server page (fed a LiveTimeline
 * that grows frame by frame). Coordinates are theatre-frame km (x east, y north).
 *
 *   const replay = new Replay(canvas, {scene, palette, meta, tooltip});
 *   replay.setTimeline(new PackedTimeline(data));   // or new LiveTimeline(dt) + push(frame)
 *   replay.play(); replay.setSpeed(120); replay.setTime(t);
 */
(function (root) {
  "use strict";

  const ABSENT = 255;
  const KIND_THREAT = 0, KIND_AIRCRAFT = 1, KIND_TRACK = 2;

  function decodeTyped(spec) {
    const bin = atob(spec.b64);
    const n = bin.length;
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    return new root[spec.type](bytes.buffer);
  }

  /* ------------------------------------------------------------------ timelines */

  /* Regularly sampled trajectories packed per object (see report/packing.py). */
  class PackedTimeline {
    constructor(d) {
      this.t0 = d.t0; this.dt = d.dt; this.q = d.q; this.nFrames = d.n_frames;
      this.kind = decodeTyped(d.obj_kind); this.id = decodeTyped(d.obj_id);
      this.cat = decodeTyped(d.obj_cat); this.info = decodeTyped(d.obj_info);
      this.info2 = decodeTyped(d.obj_info2);
      this.first = decodeTyped(d.obj_first); this.count = decodeTyped(d.obj_count);
      this.offset = decodeTyped(d.obj_offset);
      this.xy = decodeTyped(d.xy); this.alt = decodeTyped(d.alt); this.state = decodeTyped(d.state);
      this.n = this.kind.length;
    }
    get tEnd() { return this.t0 + Math.max(0, this.nFrames - 1) * this.dt; }
    /* Fill out {x, y [km], alt [m], state} of object o at frame f; false if no sample. */
    at(o, f, out) {
      const k = f - this.first[o];
      if (k < 0 || k >= this.count[o]) return false;
      const s = this.offset[o] + k;
      const st = this.state[s];
      if (st === ABSENT) return false;
      out.x = this.xy[2 * s] * this.q / 1000; out.y = this.xy[2 * s + 1] * this.q / 1000;
      out.alt = this.alt[s]; out.state = st;
      return true;
    }
  }

  /* Frames pushed as they arrive (the live page): {t, kind[], id[], cat[], x[], y[] (km),
   * alt[], state[]}; objects are keyed by (kind, id). Keeps the last `keep` frames. */
  class LiveTimeline {
    constructor(dt, keep) {
      this.dt = dt || 1; this.keep = keep || 600; this.t0 = null; this.nFrames = 0;
      this.kind = []; this.id = []; this.cat = []; this.info = []; this.info2 = [];
      this._key = new Map(); this._tracks = []; this.n = 0;
    }
    get tEnd() { return this.t0 === null ? 0 : this.t0 + Math.max(0, this.nFrames - 1) * this.dt; }
    push(fr) {
      if (this.t0 === null) this.t0 = fr.t;
      const f = Math.round((fr.t - this.t0) / this.dt);
      this.nFrames = Math.max(this.nFrames, f + 1);
      for (let i = 0; i < fr.id.length; i++) {
        const key = fr.kind[i] * 1e12 + fr.id[i];
        let o = this._key.get(key);
        if (o === undefined) {
          o = this.n++; this._key.set(key, o);
          this.kind.push(fr.kind[i]); this.id.push(fr.id[i]);
          this.cat.push(fr.cat ? fr.cat[i] : 0); this.info.push(0); this.info2.push(0);
          this._tracks.push(new Map());
        }
        const tr = this._tracks[o];
        tr.set(f, [fr.x[i], fr.y[i], fr.alt ? fr.alt[i] : 0, fr.state ? fr.state[i] : 0]);
        tr.delete(f - this.keep);
      }
    }
    at(o, f, out) {
      const s = this._tracks[o].get(f);
      if (!s) return false;
      out.x = s[0]; out.y = s[1]; out.alt = s[2]; out.state = s[3];
      return true;
    }
  }

  /* ------------------------------------------------------------------ drawing helpers */

  function ringsPath(xy, ringStart, q, owner, wanted) {
    const p = new Path2D();
    const n = ringStart.length - 1;
    for (let r = 0; r < n; r++) {
      if (wanted !== undefined && owner[r] !== wanted) continue;
      const a = ringStart[r], b = ringStart[r + 1];
      for (let i = a; i < b; i++) {
        const x = xy[2 * i] * q / 1000, y = xy[2 * i + 1] * q / 1000;
        if (i === a) p.moveTo(x, y); else p.lineTo(x, y);
      }
      p.closePath();
    }
    return p;
  }

  function fmtClock(t) {
    const s = Math.max(0, Math.round(t));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = s % 60;
    return String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" +
      String(ss).padStart(2, "0");
  }

  /* Glyphs, drawn around (0, 0) pointing east, rotated by heading h (radians, math angle). */
  function glyph(ctx, shape, x, y, h, size) {
    const c = Math.cos(h), s = Math.sin(h);
    const pts = SHAPES[shape];
    for (let i = 0; i < pts.length; i += 2) {
      const px = pts[i] * size, py = pts[i + 1] * size;
      const X = x + px * c - py * s, Y = y - (px * s + py * c);
      if (i === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
    }
    ctx.closePath();
  }
  const SHAPES = {
    tri: [1, 0, -0.7, 0.65, -0.4, 0, -0.7, -0.65],
    dart: [1.3, 0, -0.9, 0.35, -0.6, 0, -0.9, -0.35],
    diamond: [1, 0, 0, 0.7, -1, 0, 0, -0.7],
    square: [0.7, 0.7, -0.7, 0.7, -0.7, -0.7, 0.7, -0.7],
    jet: [1.2, 0, 0.3, 0.25, 0.1, 0.9, -0.3, 0.9, -0.2, 0.25, -0.8, 0.2, -1.0, 0.55, -1.15, 0.55,
      -1.05, 0, -1.15, -0.55, -1.0, -0.55, -0.8, -0.2, -0.2, -0.25, -0.3, -0.9, 0.1, -0.9,
      0.3, -0.25],
  };
  const CLASS_SHAPE = ["tri", "tri", "dart", "diamond", "square", "diamond"];

  /* ------------------------------------------------------------------ the replay */

  class Replay {
    constructor(canvas, opts) {
      this.canvas = canvas;
      this.ctx = canvas.getContext("2d");
      this.opts = opts || {};
      this.scene = opts.scene;
      this.pal = opts.palette;
      this.meta = opts.meta || {};
      this.tooltip = opts.tooltip || null;
      this.layers = {zones: true, gbad: true, radars: true, trails: true, tracks: true,
        labels: true, events: true};
      this.trail = opts.trail || 8; // frames
      this.time = 0; this.playing = false; this.speed = opts.speed || 60;
      this.timeline = null; this.events = null;
      this._listeners = [];
      this.stats = {frames: 0, drawMs: 0}; // frames drawn, total draw time [ms]
      this._dirty = true; this._last = null; this._mouse = null; this._hover = -1;
      this._tmp = {x: 0, y: 0, alt: 0, state: 0}; this._tmp2 = {x: 0, y: 0, alt: 0, state: 0};
      this._buildStatic();
      this.resetView();
      this._bind();
      this._resize();
      this._loop = this._loop.bind(this);
      requestAnimationFrame(this._loop);
    }

    /* ---- public API */
    setTimeline(tl) {
      this.timeline = tl;
      const n = tl.n;
      this._sx = new Float32Array(n); this._sy = new Float32Array(n);
      this._vis = new Uint8Array(n);
      this.time = Math.min(Math.max(this.time, tl.t0), tl.tEnd);
      this._dirty = true;
    }
    setEvents(ev) { this.events = ev; this._dirty = true; }
    play() { if (this.timeline && this.time >= this.timeline.tEnd) this.time = this.timeline.t0;
      this.playing = true; this._emit(); }
    pause() { this.playing = false; this._emit(); }
    toggle() { if (this.playing) this.pause(); else this.play(); }
    setSpeed(x) { this.speed = x; this._emit(); }
    setTime(t) {
      const tl = this.timeline;
      this.time = tl ? Math.min(Math.max(t, tl.t0), tl.tEnd) : t;
      this._dirty = true; this._emit();
    }
    setLayer(name, on) { this.layers[name] = on; this._dirty = true; }
    onChange(fn) { this._listeners.push(fn); }
    resetView() {
      const [x0, x1, y0, y1] = this.scene.view;
      this.view = {cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0, scale: 0};
      this._fitPending = true; this._dirty = true;
    }
    /* counts of threats airborne at the current time, by class code */
    get airborne() { return this._airborne || []; }

    /* ---- internals */
    _emit() { for (const fn of this._listeners) fn(this); }

    _buildStatic() {
      const sc = this.scene;
      const b = sc.borders;
      this._bxy = decodeTyped(b.xy); this._bring = decodeTyped(b.ring);
      this._bowner = decodeTyped(b.owner);
      this._countryPaths = sc.countries.map((c, i) =>
        ringsPath(this._bxy, this._bring, b.q, this._bowner, i));
      const z = sc.zones;
      const zxy = decodeTyped(z.xy), zring = decodeTyped(z.ring), zowner = decodeTyped(z.owner);
      this._zonePaths = z.list.map((zz, i) => ringsPath(zxy, zring, z.q, zowner, i));
      const hc = document.createElement("canvas");
      hc.width = hc.height = 10;
      const h = hc.getContext("2d");
      h.strokeStyle = this.pal.excluded; h.globalAlpha = 0.55; h.lineWidth = 1.2;
      h.beginPath(); h.moveTo(0, 10); h.lineTo(10, 0); h.moveTo(-5, 5); h.lineTo(5, -5);
      h.moveTo(5, 15); h.lineTo(15, 5); h.stroke();
      this._hatch = this.ctx.createPattern(hc, "repeat");
    }

    _bind() {
      const cv = this.canvas;
      new ResizeObserver(() => this._resize()).observe(cv.parentElement || cv);
      cv.addEventListener("wheel", (e) => {
        e.preventDefault();
        const r = cv.getBoundingClientRect();
        const mx = e.clientX - r.left, my = e.clientY - r.top;
        const [wx, wy] = this._toWorld(mx, my);
        const f = Math.exp(-e.deltaY * 0.0015);
        this.view.scale = Math.min(Math.max(this.view.scale * f, 0.05), 80);
        this.view.cx = wx - (mx - this._W / 2) / this.view.scale;
        this.view.cy = wy + (my - this._H / 2) / this.view.scale;
        this._dirty = true;
      }, {passive: false});
      let drag = null;
      cv.addEventListener("pointerdown", (e) => {
        drag = {x: e.clientX, y: e.clientY, cx: this.view.cx, cy: this.view.cy};
        cv.setPointerCapture(e.pointerId); cv.classList.add("dragging");
      });
      cv.addEventListener("pointermove", (e) => {
        const r = cv.getBoundingClientRect();
        this._mouse = [e.clientX - r.left, e.clientY - r.top];
        if (drag) {
          this.view.cx = drag.cx - (e.clientX - drag.x) / this.view.scale;
          this.view.cy = drag.cy + (e.clientY - drag.y) / this.view.scale;
        }
        this._dirty = true;
      });
      const end = () => { drag = null; cv.classList.remove("dragging"); };
      cv.addEventListener("pointerup", end);
      cv.addEventListener("pointercancel", end);
      cv.addEventListener("pointerleave", () => { this._mouse = null; this._dirty = true; });
      cv.addEventListener("dblclick", () => this.resetView());
    }

    _resize() {
      const cv = this.canvas;
      const dpr = window.devicePixelRatio || 1;
      const W = cv.clientWidth, H = cv.clientHeight;
      if (!W || !H) return;
      this._W = W; this._H = H; this._dpr = dpr;
      cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
      if (this._fitPending || !this.view.scale) {
        this.view.scale = Math.min(W / this.view.w, H / this.view.h);
        this._fitPending = false;
      }
      this._dirty = true;
    }

    _toScreen(x, y) {
      const v = this.view;
      return [(x - v.cx) * v.scale + this._W / 2, this._H / 2 - (y - v.cy) * v.scale];
    }
    _toWorld(sx, sy) {
      const v = this.view;
      return [(sx - this._W / 2) / v.scale + v.cx, v.cy - (sy - this._H / 2) / v.scale];
    }

    _loop(now) {
      if (this._last !== null && this.playing && this.timeline) {
        const dtReal = Math.min(0.25, (now - this._last) / 1000);
        this.time += dtReal * this.speed;
        if (this.time >= this.timeline.tEnd) { this.time = this.timeline.tEnd; this.playing = false; }
        this._dirty = true;
        this._emit();
      }
      this._last = now;
      if (this._dirty && this._W) {
        this._dirty = false;
        const t0 = performance.now();
        this.draw();
        this.stats.frames++; this.stats.drawMs += performance.now() - t0;
        if (!this._drawnOnce) { this._drawnOnce = true; if (this.opts.onFirstFrame) this.opts.onFirstFrame(this); }
      }
      requestAnimationFrame(this._loop);
    }

    draw() {
      const ctx = this.ctx, dpr = this._dpr, v = this.view, pal = this.pal, sc = this.scene;
      const W = this._W, H = this._H;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = pal.sea; ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      // world transform: km -> device pixels
      const k = dpr * v.scale;
      ctx.setTransform(k, 0, 0, -k, dpr * (W / 2 - v.cx * v.scale), dpr * (H / 2 + v.cy * v.scale));
      const px = 1 / v.scale; // one CSS pixel in km
      sc.countries.forEach((c, i) => {
        ctx.fillStyle = c.iso3 === "UKR" ? pal.land_ukr : c.nato ? pal.land_nato :
          c.hostile ? pal.land_hostile : pal.land_other;
        ctx.fill(this._countryPaths[i], "evenodd");
      });
      if (this.layers.zones) {
        sc.zones.list.forEach((z, i) => {
          const path = this._zonePaths[i];
          if (z.role === "engagement") {
            ctx.globalAlpha = 0.12; ctx.fillStyle = pal.engagement; ctx.fill(path, "evenodd");
            ctx.globalAlpha = 0.9; ctx.strokeStyle = pal.engagement; ctx.lineWidth = 1.3 * px;
            ctx.setLineDash([]); ctx.stroke(path);
          } else {
            ctx.globalAlpha = 0.8;
            this._hatch.setTransform(new DOMMatrix().scale(px, -px));
            ctx.fillStyle = this._hatch; ctx.fill(path, "evenodd");
            ctx.globalAlpha = 0.9; ctx.strokeStyle = pal.excluded; ctx.lineWidth = 1.2 * px;
            ctx.setLineDash([6 * px, 4 * px]); ctx.stroke(path); ctx.setLineDash([]);
          }
          ctx.globalAlpha = 1;
        });
      }
      sc.countries.forEach((c, i) => {
        ctx.strokeStyle = c.iso3 === "UKR" ? pal.border_ukr : pal.border;
        ctx.lineWidth = (c.iso3 === "UKR" ? 1.3 : 0.8) * px;
        ctx.stroke(this._countryPaths[i]);
      });
      const circle = (x, y, r) => { ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); };
      if (this.layers.radars) {
        ctx.strokeStyle = pal.radar; ctx.lineWidth = 0.9 * px; ctx.setLineDash([1.5 * px, 4 * px]);
        ctx.globalAlpha = 0.75;
        for (const r of sc.radars) { circle(r.x, r.y, r.range_km); ctx.stroke(); }
        ctx.setLineDash([]); ctx.globalAlpha = 1;
      }
      if (this.layers.gbad) {
        for (const s of sc.sites) {
          circle(s.x, s.y, s.range_km);
          ctx.globalAlpha = 0.08; ctx.fillStyle = pal.gbad; ctx.fill();
          ctx.globalAlpha = 0.9; ctx.strokeStyle = pal.gbad; ctx.lineWidth = 1 * px;
          ctx.setLineDash(s.active ? [] : [2 * px, 3 * px]); ctx.stroke(); ctx.setLineDash([]);
        }
        ctx.globalAlpha = 1;
      }
      for (const p of sc.patrols) {
        circle(p.x, p.y, p.radius_km);
        ctx.globalAlpha = 0.10; ctx.fillStyle = pal.nations[p.nation] || "#aaa"; ctx.fill();
        ctx.globalAlpha = 0.7; ctx.strokeStyle = pal.nations[p.nation] || "#aaa";
        ctx.lineWidth = 1 * px; ctx.setLineDash([3 * px, 3 * px]); ctx.stroke();
        ctx.setLineDash([]); ctx.globalAlpha = 1;
      }
      // ---- screen space from here
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this._drawPoints();
      if (this.timeline) {
        if (this.layers.events && this.events) this._drawEvents();
        this._drawMovers();
      }
      this._drawOffscreen();
      this._drawHover();
    }

    /* Draw a haloed label; with `avoid`, skip it if it would overlap one already placed. */
    _label(text, x, y, colour, size, align, weight, avoid) {
      const ctx = this.ctx;
      ctx.font = (weight || "500") + " " + size + "px Inter, 'Segoe UI', system-ui, sans-serif";
      ctx.textAlign = align || "left"; ctx.textBaseline = "middle";
      if (this._placed) {
        const w = ctx.measureText(text).width;
        const x0 = align === "center" ? x - w / 2 : align === "right" ? x - w : x;
        const r = [x0 - 1, y - size / 2 - 1, x0 + w + 1, y + size / 2 + 1];
        if (avoid && this._placed.some((p) => !(r[2] < p[0] || p[2] < r[0] || r[3] < p[1] || p[3] < r[1])))
          return false;
        this._placed.push(r);
      }
      ctx.lineWidth = 3; ctx.strokeStyle = this.pal.sea; ctx.lineJoin = "round";
      ctx.strokeText(text, x, y); ctx.fillStyle = colour; ctx.fillText(text, x, y);
      return true;
    }

    _drawPoints() {
      const ctx = this.ctx, pal = this.pal, sc = this.scene;
      const zoom = this.view.scale / Math.min(this._W / this.view.w, this._H / this.view.h);
      ctx.font = "600 12px Inter, system-ui, sans-serif";
      for (const c of sc.countries) {
        if (!c.label) continue;
        const [x, y] = this._toScreen(c.label[0], c.label[1]);
        ctx.save(); ctx.globalAlpha = 0.85;
        ctx.font = "700 13px Inter, system-ui, sans-serif"; ctx.letterSpacing = "4px";
        ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillStyle = pal.country_label; ctx.fillText(c.name.toUpperCase(), x, y);
        ctx.restore();
      }
      this._placed = [];
      const labels = [];
      for (const c of sc.cities) {
        const [x, y] = this._toScreen(c.x, c.y);
        const r = c.population > 500000 ? 3.5 : c.population > 150000 ? 2.6 : 1.9;
        if (c.target) { ctx.beginPath(); ctx.arc(x, y, r + 4, 0, 2 * Math.PI);
          ctx.strokeStyle = pal.leak; ctx.lineWidth = 1; ctx.stroke(); }
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fillStyle = pal.city; ctx.fill();
        if (this.layers.labels && (c.population > 200000 || c.target || zoom > 1.8))
          labels.push([c.target ? 2 : 3, -c.population, c.name, x + r + 4, y - 6,
            c.target ? "#ffd0d6" : pal.city, 11, "left", "500"]);
      }
      for (const s of sc.sites) {
        const [x, y] = this._toScreen(s.x, s.y);
        ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 5, y + 4); ctx.lineTo(x - 5, y + 4);
        ctx.closePath(); ctx.fillStyle = pal.gbad; ctx.fill();
        ctx.strokeStyle = pal.sea; ctx.lineWidth = 1; ctx.stroke();
        if (this.layers.labels && zoom > 1.4) labels.push([4, 0, s.name, x + 8, y + 8, pal.gbad, 10, "left", "500"]);
      }
      for (const r of sc.radars) {
        const [x, y] = this._toScreen(r.x, r.y);
        ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 5);
        ctx.lineTo(x - 5, y); ctx.closePath(); ctx.fillStyle = pal.radar; ctx.fill();
        ctx.strokeStyle = pal.nations[r.nation] || pal.gbad; ctx.lineWidth = 1.5; ctx.stroke();
      }
      for (const b of sc.bases) {
        const [x, y] = this._toScreen(b.x, b.y);
        ctx.fillStyle = pal.nations[b.nation] || "#aaa";
        ctx.fillRect(x - 5, y - 5, 10, 10);
        ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.2; ctx.strokeRect(x - 5, y - 5, 10, 10);
        if (this.layers.labels) labels.push([0, 0, b.name, x + 9, y + 1, pal.nations[b.nation], 11, "left", "600"]);
      }
      for (const p of sc.patrols) {
        const [x, y] = this._toScreen(p.x, p.y);
        if (this.layers.labels && zoom > 1.2)
          labels.push([5, 0, p.name, x, y - p.radius_km * this.view.scale - 8, pal.nations[p.nation], 10, "center", "500"]);
      }
      for (const la of sc.launch_areas) {
        const [x, y] = this._toScreen(la.x, la.y);
        if (x < 0 || y < 0 || x > this._W || y > this._H) continue;
        ctx.beginPath(); ctx.moveTo(x - 6, y - 5); ctx.lineTo(x + 6, y - 5); ctx.lineTo(x, y + 6);
        ctx.closePath(); ctx.fillStyle = pal.launch; ctx.fill();
        ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
        labels.push([1, 0, la.name, x + 9, y, pal.launch, 11, "left", "500"]);
      }
      labels.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const l of labels) this._label(l[2], l[3], l[4], l[5], l[6], l[7], l[8], true);
      this._placed = null;
    }

    _drawOffscreen() {
      // arrows at the map edge pointing to launch areas outside the view
      const ctx = this.ctx, W = this._W, H = this._H, m = 26;
      for (const la of this.scene.launch_areas) {
        const [x, y] = this._toScreen(la.x, la.y);
        if (x >= 0 && y >= 0 && x <= W && y <= H) continue;
        const cx = W / 2, cy = H / 2, dx = x - cx, dy = y - cy;
        const s = Math.min(dx ? ((dx > 0 ? W - m : m) - cx) / dx : Infinity,
          dy ? ((dy > 0 ? H - m : m) - cy) / dy : Infinity);
        const ex = cx + s * dx, ey = cy + s * dy, a = Math.atan2(dy, dx);
        ctx.save(); ctx.translate(ex, ey); ctx.rotate(a);
        ctx.beginPath(); ctx.moveTo(12, 0); ctx.lineTo(-4, 7); ctx.lineTo(-1, 0); ctx.lineTo(-4, -7);
        ctx.closePath(); ctx.fillStyle = this.pal.launch; ctx.fill(); ctx.restore();
        const [wx, wy] = this._toWorld(ex, ey);
        const dist = Math.hypot(la.x - wx, la.y - wy);
        this._label(la.name + " " + Math.round(dist).toLocaleString("en") + " km",
          ex - Math.cos(a) * 14, ey - Math.sin(a) * 14 + (ey > H / 2 ? -12 : 12), this.pal.launch, 10.5,
          dx > 0 ? "right" : "left");
      }
    }

    _drawEvents() {
      const ctx = this.ctx, ev = this.events, pal = this.pal, t = this.time;
      const q = ev.q / 1000;
      const n = ev.t.length;
      for (let i = 0; i < n; i++) {
        const et = ev.t[i];
        if (et > t) break; // sorted by time
        const [x, y] = this._toScreen(ev.xy[2 * i] * q, ev.xy[2 * i + 1] * q);
        if (x < -20 || y < -20 || x > this._W + 20 || y > this._H + 20) continue;
        const kind = ev.kind[i];
        const age = t - et;
        const fresh = age < 90 ? 1 - age / 90 : 0;
        let col;
        if (kind === 0) col = pal.nationList[ev.who[i]] || "#9cc3ff";
        else if (kind === 1) col = pal.kill_ukr;
        else col = pal.leak;
        ctx.strokeStyle = col; ctx.fillStyle = col;
        ctx.globalAlpha = 0.55 + 0.45 * fresh;
        if (kind <= 1) { // intercept: an X
          const r = 3.5 + 4 * fresh;
          ctx.lineWidth = 1.6;
          ctx.beginPath(); ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
          ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r); ctx.stroke();
        } else if (kind === 2) { // impact: filled dot with ring
          ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.fill();
          ctx.beginPath(); ctx.arc(x, y, 6 + 6 * fresh, 0, 2 * Math.PI); ctx.lineWidth = 1.2; ctx.stroke();
        } else { // leak into NATO airspace: ringed exclamation
          ctx.beginPath(); ctx.arc(x, y, 7 + 6 * fresh, 0, 2 * Math.PI); ctx.lineWidth = 2; ctx.stroke();
          ctx.fillRect(x - 1, y - 4, 2, 5); ctx.fillRect(x - 1, y + 2.5, 2, 2);
        }
        if (fresh > 0) { ctx.globalAlpha = 0.35 * fresh; ctx.beginPath();
          ctx.arc(x, y, 12 + 18 * (1 - fresh), 0, 2 * Math.PI); ctx.lineWidth = 2; ctx.stroke(); }
      }
      ctx.globalAlpha = 1;
    }

    _styleOf(o) {
      const tl = this.timeline, kind = tl.kind[o], cat = tl.cat[o], pal = this.pal;
      if (kind === KIND_AIRCRAFT) return [pal.nationList[cat] || "#fff", "jet", 7.5, true];
      if (kind === KIND_TRACK) return [pal.track, "square", 5, false];
      return [pal.classList[cat] || "#ccc", CLASS_SHAPE[cat] || "diamond", cat === 2 ? 6 : 5, cat !== 1];
    }

    _visible(kind, state) {
      const vs = this.meta.visibleStates ? this.meta.visibleStates[kind] : null;
      return !vs || vs.indexOf(state) >= 0;
    }

    _drawMovers() {
      const tl = this.timeline, ctx = this.ctx, n = tl.n;
      const fr = (this.time - tl.t0) / tl.dt;
      const f = Math.floor(fr), a = fr - f;
      const A = this._tmp, B = this._tmp2;
      const sx = this._sx, sy = this._sy, vis = this._vis;
      const airborne = [0, 0, 0, 0, 0, 0];
      const groups = new Map();
      const head = new Float32Array(n);
      let nAir = 0;
      for (let o = 0; o < n; o++) {
        vis[o] = 0;
        const kind = tl.kind[o];
        if (kind === KIND_TRACK && !this.layers.tracks) continue;
        if (!tl.at(o, f, A) || !this._visible(kind, A.state)) continue;
        let x = A.x, y = A.y, h = 0;
        if (tl.at(o, f + 1, B)) {
          x += (B.x - A.x) * a; y += (B.y - A.y) * a;
          h = Math.atan2(B.y - A.y, B.x - A.x);
        } else if (tl.at(o, f - 1, B)) h = Math.atan2(A.y - B.y, A.x - B.x);
        const [X, Y] = this._toScreen(x, y);
        sx[o] = X; sy[o] = Y; head[o] = h; vis[o] = 1;
        if (kind === KIND_THREAT) airborne[tl.cat[o]]++;
        else if (kind === KIND_AIRCRAFT) nAir++;
        const key = kind * 16 + tl.cat[o];
        let g = groups.get(key);
        if (!g) { g = []; groups.set(key, g); }
        g.push(o);
      }
      this._airborne = airborne; this._aircraftAirborne = nAir;
      const keys = Array.from(groups.keys()).sort((p, q) => p - q);
      // trails
      if (this.layers.trails) {
        ctx.lineWidth = 1.2; ctx.lineJoin = "round";
        for (const key of keys) {
          const g = groups.get(key);
          const [col] = this._styleOf(g[0]);
          ctx.strokeStyle = col; ctx.globalAlpha = key >= 32 ? 0.35 : 0.5;
          ctx.beginPath();
          for (const o of g) {
            ctx.moveTo(sx[o], sy[o]);
            for (let j = 0; j < this.trail; j++) {
              if (!tl.at(o, f - j, A)) break;
              const [X, Y] = this._toScreen(A.x, A.y);
              ctx.lineTo(X, Y);
            }
          }
          ctx.stroke();
        }
        ctx.globalAlpha = 1;
      }
      // markers, one path per style
      for (const key of keys) {
        const g = groups.get(key);
        const [col, shape, size, filled] = this._styleOf(g[0]);
        ctx.beginPath();
        for (const o of g) glyph(ctx, shape, sx[o], sy[o], head[o], size);
        if (filled) {
          ctx.fillStyle = col; ctx.fill();
          ctx.strokeStyle = key >= 16 && key < 32 ? "#ffffff" : "#0b1018"; ctx.lineWidth = 0.8; ctx.stroke();
        } else {
          ctx.strokeStyle = col; ctx.lineWidth = 1.3; ctx.stroke();
        }
      }
    }

    _drawHover() {
      const tip = this.tooltip;
      this._hover = -1;
      if (!tip) return;
      if (!this._mouse || !this.timeline) { tip.style.display = "none"; return; }
      const [mx, my] = this._mouse;
      let best = -1, bd = 12 * 12;
      const n = this.timeline.n;
      for (let o = 0; o < n; o++) {
        if (!this._vis[o]) continue;
        const dx = this._sx[o] - mx, dy = this._sy[o] - my, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = o; }
      }
      if (best < 0) { tip.style.display = "none"; return; }
      this._hover = best;
      const ctx = this.ctx;
      ctx.beginPath(); ctx.arc(this._sx[best], this._sy[best], 11, 0, 2 * Math.PI);
      ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 1.5; ctx.stroke();
      tip.innerHTML = this.describe(best);
      tip.style.display = "block";
      const r = tip.getBoundingClientRect();
      let x = mx + 16, y = my + 16;
      if (x + r.width > this._W) x = mx - r.width - 16;
      if (y + r.height > this._H) y = my - r.height - 16;
      tip.style.left = x + "px"; tip.style.top = y + "px";
    }

    /* HTML description of object o at the current time (what it is, what it is doing). */
    describe(o) {
      const tl = this.timeline, m = this.meta, kind = tl.kind[o];
      const f = Math.floor((this.time - tl.t0) / tl.dt);
      const A = {x: 0, y: 0, alt: 0, state: 0}, B = {x: 0, y: 0, alt: 0, state: 0};
      tl.at(o, f, A);
      let speed = null;
      if (tl.at(o, f + 1, B) || tl.at(o, f - 1, B))
        speed = Math.hypot(B.x - A.x, B.y - A.y) / tl.dt * 3600;
      const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]));
      const stateName = (m.stateNames && m.stateNames[kind] && m.stateNames[kind][A.state]) || ("state " + A.state);
      const rows = [];
      let title;
      if (kind === KIND_AIRCRAFT) {
        const nat = m.nations[tl.cat[o]] || "";
        title = `<span class="sw" style="background:${this.pal.nationList[tl.cat[o]]}"></span>${esc(nat)} · ${esc((m.aircraftLabels || [])[tl.info[o]] || "aircraft")} #${tl.id[o]}`;
        rows.push(["doing", stateName.toLowerCase()]);
      } else if (kind === KIND_TRACK) {
        title = `Track ${tl.id[o]} <span class="muted">(air picture)</span>`;
        rows.push(["class", (m.classLabels || [])[tl.cat[o]] || "unknown"]);
      } else {
        const cls = (m.classLabels || [])[tl.cat[o]] || "threat";
        title = `<span class="sw" style="background:${this.pal.classList[tl.cat[o]]}"></span>${esc((m.threatTypes || [])[tl.info[o]] || cls)} <span class="muted">#${tl.id[o]}</span>`;
        rows.push(["class", cls]);
        rows.push(["doing", stateName.toLowerCase() + (m.targets ? " → " + esc(m.targets[tl.info2[o]] || "?") : "")]);
      }
      rows.push(["altitude", Math.round(A.alt).toLocaleString("en") + " m"]);
      if (speed !== null) rows.push(["ground speed", Math.round(speed).toLocaleString("en") + " km/h"]);
      rows.push(["position", A.x.toFixed(0) + " km E, " + A.y.toFixed(0) + " km N"]);
      return `<div class="tt-title">${title}</div><table>` +
        rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("") + "</table>";
    }
  }

  Replay.fmtClock = fmtClock;
  Replay.decodeTyped = decodeTyped;
  root.Replay = Replay;
  root.PackedTimeline = PackedTimeline;
  root.LiveTimeline = LiveTimeline;
})(typeof window !== "undefined" ? window : globalThis);
