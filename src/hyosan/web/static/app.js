// hyosan's page: one websocket per page; frames arrive as binary (see hyosan/web/frames.py).
"use strict";
const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";
const COLOURS = { S: "#3b7dd8", E: "#f0a030", Z: "#c62828", H: "#8e44ad", R: "#777777", I: "#c62828" };
const WORDS = { S: "Susceptible", E: "Exposed", Z: "Zombie", H: "Hybrid", R: "Removed", I: "Infectious" };
const LEGEND = [[0, "nobody turned"], [1, "1 in 100,000"], [52, "1 in 10,000"], [103, "1 in 1,000"], [154, "1 in 100"], [204, "1 in 10"], [255, "everyone"]];

const state = {
  ws: null, token: null, ready: false, worlds: {}, world: null, geo: null, started: false,
  playing: false, place: null, compartments: [], timeUnit: "hour", t: 0, frame: 0,
  shades: null, times: [], totals: [], timeline: [], histories: null, compare: null,
  compareFrames: 0, errors: [], hover: null, views: {},
};
window.hyosan = state;  // for the browser tests, and for the curious

function shadeColour(s) {
  if (s === 0) return "#f4f1ea";
  const f = (s - 1) / 254;  // pale yellow -> orange -> dark red
  const stops = [[255, 236, 160], [244, 140, 40], [200, 30, 30], [90, 0, 20]];
  const x = f * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), u = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
const SHADE_RGB = Array.from({ length: 256 }, (_, s) => {
  const m = shadeColour(s).match(/\d+/g); return m ? m.map(Number) : [244, 241, 234];
});
SHADE_RGB[0] = [244, 241, 234];

function unitWord(t) { return state.timeUnit + (Math.abs(t - 1) < 1e-9 ? "" : "s"); }
function fmtT(t) { return `t = ${(+t).toFixed(t < 10 ? 2 : 1)} ${unitWord(t)}`; }
function showError(text) { $("error").textContent = text || ""; if (text) state.errors.push(text); }
function send(msg) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(msg)); }

// ---------------------------------------------------------------------------------- the map
function buildMap(container, geo, interactive) {
  container.innerHTML = "";
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${geo.width} ${geo.height}`);
  const view = { svg, geo, els: null, canvas: null, ctx: null, img: null, index: null };
  if (geo.water) { const w = document.createElementNS(SVGNS, "path"); w.setAttribute("d", geo.water); w.setAttribute("class", "water"); svg.appendChild(w); }
  if (geo.mode === "shapes") {
    view.els = geo.paths.map((d, i) => {
      let el;
      if (d) { el = document.createElementNS(SVGNS, "path"); el.setAttribute("d", d); }
      else { el = document.createElementNS(SVGNS, "circle"); const p = geo.points[i]; el.setAttribute("cx", p[0]); el.setAttribute("cy", p[1]); el.setAttribute("r", 4); }
      el.setAttribute("class", "place"); el.setAttribute("fill", shadeColour(0)); el.dataset.place = i;
      svg.appendChild(el); return el;
    });
    if (geo.place_labels) geo.place_labels.forEach((name, i) => {
      if (!name || !geo.paths[i]) return;
      const tx = document.createElementNS(SVGNS, "text"); tx.setAttribute("class", "room"); tx.textContent = name; tx.dataset.forPlace = i; svg.appendChild(tx); view.roomLabels = view.roomLabels || []; view.roomLabels.push(tx);
    });
  } else {
    const fo = document.createElementNS(SVGNS, "foreignObject");
    fo.setAttribute("x", geo.origin[0]); fo.setAttribute("y", geo.origin[1]);
    fo.setAttribute("width", geo.cols * geo.cell_px); fo.setAttribute("height", geo.rows * geo.cell_px);
    const canvas = document.createElement("canvas"); canvas.width = geo.cols; canvas.height = geo.rows;
    canvas.style.cssText = "width:100%;height:100%;image-rendering:pixelated;border:0;background:transparent";
    fo.appendChild(canvas); svg.appendChild(fo);
    view.canvas = canvas; view.ctx = canvas.getContext("2d"); view.img = view.ctx.createImageData(geo.cols, geo.rows);
    view.index = new Int32Array(geo.cols * geo.rows).fill(-1);
    geo.cell_col.forEach((c, i) => { view.index[geo.cell_row[i] * geo.cols + c] = i; });
  }
  for (const d of geo.outlines) { if (!d) continue; const o = document.createElementNS(SVGNS, "path"); o.setAttribute("d", d); o.setAttribute("class", "outline"); svg.appendChild(o); }
  for (const [x, y, text, kind] of geo.labels) { const tx = document.createElementNS(SVGNS, "text"); tx.setAttribute("x", x); tx.setAttribute("y", y); tx.textContent = text; if (kind) tx.setAttribute("class", kind); svg.appendChild(tx); }
  container.appendChild(svg);
  if (view.roomLabels) for (const tx of view.roomLabels) { const b = view.els[+tx.dataset.forPlace].getBBox(); tx.setAttribute("x", b.x + b.width / 2); tx.setAttribute("y", b.y + b.height / 2 + 2); }
  if (interactive) {
    const placeAt = (ev) => {
      if (view.els) { const p = ev.target.dataset && ev.target.dataset.place; return p === undefined ? null : +p; }
      const r = view.canvas.getBoundingClientRect();
      if (ev.clientX < r.left || ev.clientY < r.top || ev.clientX >= r.right || ev.clientY >= r.bottom) return null;
      const c = Math.floor((ev.clientX - r.left) / r.width * geo.cols), w = Math.floor((ev.clientY - r.top) / r.height * geo.rows);
      const i = view.index[w * geo.cols + c]; return i >= 0 ? i : null;
    };
    svg.addEventListener("click", (ev) => { const p = placeAt(ev); if (p !== null) clickPlace(p); });
    let last = -1, pending = 0;
    svg.addEventListener("mousemove", (ev) => {
      const p = placeAt(ev); const tip = $("tooltip");
      if (p === null) { tip.hidden = true; last = -1; return; }
      const box = $("left").getBoundingClientRect();
      tip.style.left = (ev.clientX - box.left + 14) + "px"; tip.style.top = (ev.clientY - box.top + 14) + "px";
      if (p !== last) { last = p; state.hover = p; tip.hidden = false; tip.textContent = geo.names[p]; if (!pending) { pending = 1; setTimeout(() => { pending = 0; if (state.started) send({ type: "hover", place: state.hover }); }, 80); } }
    });
    svg.addEventListener("mouseleave", () => { $("tooltip").hidden = true; last = -1; });
  }
  return view;
}

function paint(view, shades) {
  if (!view) return;
  if (view.els) { for (let i = 0; i < view.els.length; i++) view.els[i].setAttribute("fill", shadeColour(shades[i])); return; }
  const data = view.img.data, geo = view.geo;
  for (let i = 0; i < shades.length; i++) {
    const k = (geo.cell_row[i] * geo.cols + geo.cell_col[i]) * 4, c = SHADE_RGB[shades[i]];
    data[k] = c[0]; data[k + 1] = c[1]; data[k + 2] = c[2]; data[k + 3] = 255;
  }
  view.ctx.putImageData(view.img, 0, 0);
}

function drawLegend() {
  $("legend").innerHTML = "Share of each " + (state.geo ? state.geo.place_word : "place") + "'s people who are zombies: " +
    LEGEND.map(([s, w]) => `<span><i style="background:${shadeColour(s)}"></i>${w}</span>`).join("");
}

// ------------------------------------------------------------------------------- the curves
function drawCurves(canvas, times, series, opts = {}) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 48, B = 22, T = 8, Rm = 8;
  ctx.clearRect(0, 0, W, H); ctx.font = "11px system-ui"; ctx.fillStyle = "#333";
  const tEnd = opts.tEnd || Math.max(1e-9, ...times); let top = 1;
  for (const s of series) for (const v of s.values) if (v > top) top = v;
  if (s_has(series, "hi")) for (const s of series) for (const v of (s.hi || [])) if (v > top) top = v;
  const lg = Math.log10(top * 1.2), X = (t) => L + (W - L - Rm) * t / tEnd, Y = (v) => H - B - (H - B - T) * Math.log10(Math.max(v, 1)) / lg;
  ctx.strokeStyle = "#ddd"; ctx.beginPath();
  for (let e = 0; e <= lg; e++) { ctx.moveTo(L, Y(10 ** e)); ctx.lineTo(W - Rm, Y(10 ** e)); ctx.fillText(e === 0 ? "1" : `1e${e}`, 4, Y(10 ** e) + 4); }
  ctx.stroke(); ctx.fillText(`${unitWord(2)} →  (people, log scale)`, L, H - 5); ctx.fillText(tEnd.toPrecision(3), W - Rm - 30, H - 5);
  for (const s of series) {
    if (s.lo && s.hi) { ctx.fillStyle = s.colour + "44"; ctx.beginPath(); times.forEach((t, i) => i ? ctx.lineTo(X(t), Y(s.hi[i])) : ctx.moveTo(X(t), Y(s.hi[i]))); for (let i = times.length - 1; i >= 0; i--) ctx.lineTo(X(times[i]), Y(s.lo[i])); ctx.fill(); }
    ctx.strokeStyle = s.colour; ctx.lineWidth = 1.8; ctx.setLineDash(s.dash ? [5, 4] : []); ctx.beginPath();
    s.values.forEach((v, i) => i ? ctx.lineTo(X(times[i]), Y(v)) : ctx.moveTo(X(times[i]), Y(v))); ctx.stroke(); ctx.setLineDash([]);
  }
  for (const ev of (opts.marks || [])) { ctx.strokeStyle = "#000"; ctx.beginPath(); ctx.moveTo(X(ev.t), T); ctx.lineTo(X(ev.t), H - B); ctx.stroke(); ctx.fillStyle = "#000"; ctx.fillText(ev.action, X(ev.t) + 3, T + 10); }
}
function s_has(series, k) { return series.some((s) => s[k]); }

function redrawCurves() {
  const series = state.compartments.map((c, k) => ({ colour: COLOURS[c] || "#444", values: state.totals.map((r) => r[k]) }));
  const last = state.times.length ? state.times[state.times.length - 1] : 0;
  const tEnd = Math.min(state.tEnd, Math.max(last * 1.25, state.tEnd / 8));  // room to grow
  drawCurves($("curves"), state.times, series, { tEnd, marks: state.timeline });
  $("curve-legend").innerHTML = state.compartments.map((c) => `<span><i style="background:${COLOURS[c] || "#444"}"></i>${WORDS[c] || c}</span>`).join("");
}

// ------------------------------------------------------------------------------ the socket
function onFrame(buf) {
  const dv = new DataView(buf), frame = dv.getUint32(4, true), t = dv.getFloat64(8, true);
  const nc = dv.getUint16(16, true), pane = dv.getUint16(18, true), np = dv.getUint32(20, true);
  const totals = Array.from({ length: nc }, (_, k) => dv.getFloat64(24 + 8 * k, true));
  const shades = new Uint8Array(buf, 24 + 8 * nc, np);
  if (pane > 0) { paint(state.views[pane], shades); state.compareFrames += 1; state.compareT = t; return; }
  state.frame = frame; state.t = t; state.shades = shades;
  if (frame === 0) { state.times = []; state.totals = []; }
  if (!state.times.length || t > state.times[state.times.length - 1] + 1e-12) { state.times.push(t); state.totals.push(totals); }
  else { state.totals[state.totals.length - 1] = totals; }
  paint(state.views.main, shades); $("clock").textContent = fmtT(t); redrawCurves();
}

function onMessage(msg) {
  switch (msg.type) {
    case "hello": state.token = msg.token; $("runs").max = msg.limits.runs; break;
    case "busy": showError(msg.message); break;
    case "error": showError((msg.key ? msg.key + ": " : "") + msg.message); break;
    case "ready":
      state.started = true; state.compartments = msg.compartments; state.timeUnit = msg.time_unit; state.tEnd = msg.t_end;
      state.timeline = msg.timeline; renderTimeline(); enable(true);
      $("dl-toml").href = `/download/${state.token}/scenario.toml`; $("dl-nc").href = `/download/${state.token}/results.nc`;
      $("setup-box").open = false; $("hint").textContent = "Hover a place for its counts; the buttons on the right act now."; break;
    case "paused": state.playing = false; break;
    case "ended": state.playing = false; $("hint").textContent = "The end of this world's run."; break;
    case "timeline": state.timeline = msg.timeline; renderTimeline(); redrawCurves(); break;
    case "place": {
      if (msg.place !== state.hover) break;
      const tip = $("tooltip"); tip.hidden = false;
      tip.innerHTML = `<b>${msg.name}</b> (${msg.region})<br>` + Object.entries(msg.counts).map(([c, v]) => `${WORDS[c] || c}: ${v.toLocaleString()}`).join("<br>"); break;
    }
    case "progress": $("progress").max = msg.total; $("progress").value = msg.done; break;
    case "histories": state.histories = msg; drawHistories(msg); $("histories").disabled = false; break;
    case "compare": startCompare(msg); break;
    case "compare-done": state.compareDone = true; $("compare").disabled = false; break;
    case "closing": showError(msg.message); break;
  }
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.binaryType = "arraybuffer"; state.ws = ws;
  ws.onmessage = (ev) => { if (typeof ev.data === "string") onMessage(JSON.parse(ev.data)); else onFrame(ev.data); };
  ws.onclose = () => { enable(false); $("status").textContent = "disconnected: reload the page"; $("status").className = "status"; };
}

// ------------------------------------------------------------------------------ the panels
function enable(on) {
  for (const id of ["play", "pause", "step", "reset", "histories", "compare"]) $(id).disabled = !on;
  for (const id of ["dl-toml", "dl-nc"]) $(id).classList.toggle("disabled", !on);
  for (const b of document.querySelectorAll("#actions button")) b.disabled = !on || b.dataset.na === "1";
}

function renderTimeline() {
  $("timeline").innerHTML = state.timeline.map((e) => `<li>${fmtT(e.t)}: ${e.label}${e.region ? " — " + e.region : ""}</li>`).join("");
}

function setupMessage(place) {
  const params = {};
  for (const input of document.querySelectorAll("#sliders input")) if (+input.value !== +input.dataset.default) params[input.name] = +input.value;
  return { type: "setup", world: state.world, seed: +$("seed").value, params, place };
}

function clickPlace(p) {
  if (!state.started) { state.place = p; send(setupMessage(p)); send({ type: "play", fps: +$("speed").value }); state.playing = true; return; }
  const region = state.geo.region[p]; $("region").value = region;
}

async function pickWorld(key) {
  state.world = key; state.started = false; state.playing = false; enable(false); $("setup-box").open = true;
  state.histories = null; state.compare = null; $("odds").innerHTML = ""; $("futures").hidden = true; $("progress").value = 0;
  $("bands").getContext("2d").clearRect(0, 0, $("bands").width, $("bands").height); showError("");
  const w = state.worlds[key]; state.timeUnit = w.time_unit || "hour"; state.tEnd = w.t_end;
  $("clock").textContent = "loading the map…";
  const geo = await (await fetch(`/api/world/${key}`)).json(); state.geo = geo;
  state.views.main = buildMap($("map"), geo, true); drawLegend(); state.times = []; state.totals = []; state.timeline = []; renderTimeline();
  $("clock").textContent = fmtT(0); $("note").textContent = geo.note || "";
  $("hint").textContent = "Click a place to drop a zombie there, or start from the world's own first case.";
  $("sliders").innerHTML = ""; for (const s of (w.sliders || [])) {
    const div = document.createElement("div"); div.className = "slider";
    const step = s.name === "zombie_wander" ? 1 : (s.max - s.min) / 200;
    div.innerHTML = `<label>${s.label} (<code>${s.name}</code>, ${s.unit || "no unit"}): <output>${s.default}</output> <span class="small">default ${s.default}</span></label><input type="range" name="${s.name}" min="${s.min}" max="${s.max}" step="${step}" value="${s.default}" data-default="${s.default}">`;
    const input = div.querySelector("input"); input.oninput = () => { div.querySelector("output").textContent = (+input.value).toPrecision(3); };
    $("sliders").appendChild(div);
  }
  $("horizon").value = w.histories_t_end; $("horizon").max = w.t_end; $("horizon-unit").textContent = unitWord(2);
  $("region").innerHTML = (w.regions || []).map((r) => `<option>${r}</option>`).join("");
  $("actions").innerHTML = "";
  for (const [name, label] of Object.entries(w.action_labels || {})) {
    const b = document.createElement("button"); b.textContent = label; b.id = "act-" + name; b.dataset.na = w.actions[name] ? "0" : "1";
    b.disabled = true; if (!w.actions[name]) b.title = "not in this world";
    b.onclick = () => send({ type: "act", action: name, region: $("region").value || null }); $("actions").appendChild(b);
  }
}

function drawHistories(msg) {
  const q = msg.bands, series = msg.compartments.map((c, k) => ({ colour: COLOURS[c] || "#444", values: q[1].map((r) => r[k]), lo: q[0].map((r) => r[k]), hi: q[2].map((r) => r[k]) }));
  drawCurves($("bands"), msg.times, series, {});
  $("odds").innerHTML = `<li>${msg.runs} histories; bands 10–90 %, lines the median</li>` + msg.odds.map((o) => `<li>${o.what}: <b>${(100 * o.p).toFixed(0)} %</b></li>`).join("");
}

function startCompare(msg) {
  state.compare = msg; state.compareFrames = 0; state.compareDone = false; $("futures").hidden = false;
  $("pane-label-1").textContent = "A: " + msg.labels[0]; $("pane-label-2").textContent = "B: " + msg.labels[1];
  state.views[1] = buildMap($("pane-1"), state.geo, false); state.views[2] = buildMap($("pane-2"), state.geo, false);
  const k = msg.compartments.indexOf("Z") >= 0 ? msg.compartments.indexOf("Z") : msg.compartments.length - 1;
  const series = msg.totals.map((tot, i) => ({ colour: i ? "#555" : "#c62828", dash: i === 1, values: tot.map((r) => r[k]) }));
  drawCurves($("compare-curves"), msg.times, series, {});
}

async function boot() {
  connect();
  $("world").onchange = () => pickWorld($("world").value);
  $("start").onclick = () => { send(setupMessage(null)); };
  $("play").onclick = () => { send({ type: "play", fps: +$("speed").value }); state.playing = true; };
  $("pause").onclick = () => send({ type: "pause" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => { state.timeline = []; renderTimeline(); send({ type: "reset" }); };
  $("speed").onchange = () => send({ type: "speed", fps: +$("speed").value });
  $("histories").onclick = () => { $("histories").disabled = true; $("progress").value = 0; send({ type: "histories", runs: +$("runs").value, t_end: +$("horizon").value }); };
  $("compare").onclick = () => { $("compare").disabled = true; send({ type: "compare", t_end: +$("horizon").value }); };
  for (;;) {
    const s = await (await fetch("/api/status")).json();
    $("status").textContent = s.ready ? (s.error ? "warm-up failed: " + s.error : "ready") : `warming up… (${s.doing})`;
    if (s.ready) { $("status").className = "status ready"; break; }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const list = await (await fetch("/api/worlds")).json();
  $("world").innerHTML = list.map((w) => `<option value="${w.key}" ${w.too_large || w.error ? "disabled" : ""}>${w.label}</option>`).join("");
  for (const w of list) state.worlds[w.key] = w;
  state.ready = true; await pickWorld(list[0].key);
}
boot();
