// The playground page: sends the learner's choices to the server over one WebSocket and draws what comes back.
// No framework: each view is a function that redraws one canvas (or the graph's colours) from `state`.
"use strict";

// Classes 0 and 1 as the command line's figures draw them (viz.plots.CLASS_COLOURS), then three more.
const COLOURS = [[215, 48, 31], [33, 102, 172], [44, 160, 44], [255, 127, 14], [148, 103, 189]];
const $ = (id) => document.getElementById(id);
const state = {
  limits: null, points: [], classes: 2, view: [-2, 2], widths: [2, 1], layers: [], weights: [], units: [],
  boundary: null, history: [], playing: false, steps: [], stepIndex: 0, chosenClass: 0, frameTimes: [],
};
let socket = null;

// ------------------------------------------------------------------ connection
function connect() {
  socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onopen = () => send({ type: "hello" });
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => showError("The connection to the server closed: restart it and reload the page.");
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function receive(message) {
  const handler = {
    limits: (m) => { state.limits = m; },
    architecture: onArchitecture,
    frame: onFrame,
    points: (m) => { state.points = m.points; state.classes = m.classes; drawBoundary(); },
    status: (m) => { state.playing = m.playing; showPlaying(); },
    backward: onBackward,
    export: onExport,
    error: (m) => showError(`${m.status}: ${m.message}`),
  }[message.type];
  if (handler) handler(message);
}

let errorTimer = null;
function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { box.hidden = true; }, 10000);
  state.playing = false;
  showPlaying();
}

// ------------------------------------------------------------------ messages in
function onArchitecture(m) {
  Object.assign(state, { points: m.points, classes: m.classes, view: m.view, widths: m.widths, layers: m.layers,
    history: [], steps: [], stepIndex: 0, playing: false });  // a new network starts paused
  pendingFrame = null;  // drawn for the old network; the server stops counting it
  showPlaying();
  document.body.dataset.widths = m.widths.join(",");
  $("graph").innerHTML = m.graph_svg;  // drawn by our Graphviz renderer once per architecture
  $("backward-step").textContent = "";
  $("backward-position").textContent = "";
  // The forms are the learner's: filled from the server once, never overwritten by a late answer.
  if (!state.formsFilled) showForms(m.data, m.model);
  state.formsFilled = true;
  $("classes").disabled = !["spirals", "blobs"].includes($("dataset").value);
  buildClassPicker();
}

// Frames are recorded as they come but drawn at most once per display refresh: when frames arrive faster
// than the page can draw them, only the newest is drawn, so the page never falls behind or stops answering.
let pendingFrame = null;
function onFrame(m) {
  const last = state.history[state.history.length - 1];
  if (!last || last.step !== m.step) {
    const { boundary, weights, units, layer_stats, ...scores } = m;
    state.history.push(scores);
  }
  if (state.history.length > 4000) state.history.splice(0, state.history.length - 4000);
  // The page's state as data-* attributes, for scripts and the browser tests to read.
  Object.assign(document.body.dataset, { step: m.step, epoch: m.epoch, trainLoss: m.train_loss,
    testAccuracy: m.test_accuracy, history: state.history.length,
    frames: Number(document.body.dataset.frames || 0) + 1 });
  if (!pendingFrame) requestAnimationFrame(drawFrame);
  else send({ type: "ack" });  // the frame waiting to be drawn is dropped for this newer one
  pendingFrame = m;
}

function drawFrame() {
  const m = pendingFrame, started = performance.now();
  if (!m) return;  // a new architecture came first: its own frame follows
  pendingFrame = null;
  state.boundary = m.boundary;
  state.weights = m.weights.map(decodeWeights);
  if (m.units) state.units = m.units;
  state.layerStats = m.layer_stats;  // (playing or not comes from status messages: a late frame may predate a pause)
  countFrame();
  document.body.dataset.draws = Number(document.body.dataset.draws || 0) + 1;
  drawBoundary();
  drawCurves();
  drawNetwork();
  colourGraph();
  showScores(m);
  showPlaying();
  document.body.dataset.drawMs = (performance.now() - started).toFixed(1);  // how long this frame took to draw
  send({ type: "ack" });  // drawn: the server may send another (it stays at most two frames ahead)
}

function onBackward(m) {
  state.steps = m.steps;
  state.stepIndex = 0;
  showBackwardStep();
}

function onExport(m) {
  let blob;
  if (m.base64) {
    const bytes = Uint8Array.from(atob(m.base64), (c) => c.charCodeAt(0));
    blob = new Blob([bytes], { type: "application/octet-stream" });
    const hint = m.format === "model_file" ? " (load it with nn.load_model)" : "";
    $("export-text").value = `${m.filename}: ${bytes.length} bytes${hint}`;
  } else {
    blob = new Blob([m.text], { type: "text/plain" });
    if (m.format !== "csv") $("export-text").value = m.text;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = m.filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// ------------------------------------------------------------------ forms
function showForms(data, model) {
  if (data.dataset !== "custom") {
    $("dataset").value = data.dataset;
    $("classes").value = data.classes;
    setRange("noise", data.noise);
    setRange("size", data.n);
    setRange("test-fraction", Math.round(data.test_fraction * 100));
    $("data-seed").value = data.seed;
  }
  $("initializer").value = model.initializer;
  $("optimizer").value = model.optimizer;
  $("output").value = model.output;
  $("lr").value = model.lr;
  $("batch-size").value = model.batch_size;
  $("l2").value = model.l2;
  $("model-seed").value = model.seed;
  $("layers").innerHTML = "";
  model.layers.forEach(addLayerRow);
}

function addLayerRow(layer) {
  const row = document.createElement("div");
  row.className = "layer";
  row.innerHTML = `hidden <input type="number" min="1" max="64" value="${layer.units}" class="units">
    <select class="activation">${["relu", "tanh", "sigmoid", "leaky_relu", "linear"].map((a) =>
      `<option${a === layer.activation ? " selected" : ""}>${a}</option>`).join("")}</select>
    <button class="remove" title="remove this layer">✕</button>`;
  row.querySelector(".remove").onclick = () => { row.remove(); sendModel(); };
  row.querySelector(".units").onchange = sendModel;
  row.querySelector(".activation").onchange = sendModel;
  $("layers").appendChild(row);
}

function setRange(id, value) {
  $(id).value = value;
  $(`${id}-value`).textContent = value;
}

function sendData() {
  send({ type: "data", dataset: $("dataset").value, classes: Number($("classes").value),
    noise: Number($("noise").value), n: Number($("size").value),
    test_fraction: Number($("test-fraction").value) / 100, seed: Number($("data-seed").value) });
}

function sendModel() {
  const layers = [...document.querySelectorAll("#layers .layer")].map((row) => ({
    units: Number(row.querySelector(".units").value), activation: row.querySelector(".activation").value }));
  send({ type: "model", layers, initializer: $("initializer").value, optimizer: $("optimizer").value,
    lr: Number($("lr").value), batch_size: Number($("batch-size").value), l2: Number($("l2").value),
    seed: Number($("model-seed").value), output: $("output").value });
}

function buildClassPicker() {
  const picker = $("class-picker");
  picker.innerHTML = "";
  const count = Math.max(state.classes, Number($("classes").value));
  state.chosenClass = Math.min(state.chosenClass, count - 1);
  for (let k = 0; k < count; k++) {
    const button = document.createElement("button");
    button.className = "class-choice" + (k === state.chosenClass ? " chosen" : "");
    button.style.background = `rgb(${COLOURS[k]})`;
    button.title = `class ${k}`;
    button.dataset.label = k;
    button.onclick = () => { state.chosenClass = k; buildClassPicker(); };
    picker.appendChild(button);
  }
}

function showScores(m) {
  const f = (x) => (x === null || x === undefined ? "  –   " : x.toFixed(4));
  $("scores").textContent = `step ${m.step}  epoch ${m.epoch}\n` +
    `train loss ${f(m.train_loss)}  acc ${f(m.train_accuracy)}\n` +
    `test  loss ${f(m.test_loss)}  acc ${f(m.test_accuracy)}`;
  const accuracy = m.test_accuracy === null ? "–" : (100 * m.test_accuracy).toFixed(1) + "%";
  $("status").textContent = `step ${m.step} · test accuracy ${accuracy}`;
}

function showPlaying() {
  $("play").textContent = state.playing ? "❚❚ pause" : "▶ play";
}

function countFrame() {
  const now = performance.now();
  state.frameTimes.push(now);
  while (state.frameTimes.length && state.frameTimes[0] < now - 1000) state.frameTimes.shift();
  $("rate").textContent = `${state.frameTimes.length} updates/s`;
}

// ------------------------------------------------------------------ decision boundary
function toPixel(x, y, canvas) {
  const [low, high] = state.view;
  return [((x - low) / (high - low)) * canvas.width, ((high - y) / (high - low)) * canvas.height];
}

function toPlane(px, py, canvas) {
  const [low, high] = state.view;
  return [low + (px / canvas.width) * (high - low), high - (py / canvas.height) * (high - low)];
}

function decode(base64) {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

// A layer's weights arrive as base64 float32: the kernel becomes one row (Float32Array) per input.
function decodeWeights(layer) {
  const kernel = new Float32Array(decode(layer.kernel).buffer);
  const [inputs, units] = layer.shape;
  return { ...layer, bias: new Float32Array(decode(layer.bias).buffer),
    kernel: Array.from({ length: inputs }, (_, i) => kernel.subarray(i * units, (i + 1) * units)) };
}

const boundaryImage = document.createElement("canvas");
function drawBoundary() {
  const canvas = $("boundary");
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (state.boundary) {
    const size = state.boundary.size;
    const planes = state.boundary.classes.map(decode);
    boundaryImage.width = boundaryImage.height = size;
    const image = boundaryImage.getContext("2d").createImageData(size, size);
    const k = planes.length;
    for (let i = 0; i < size * size; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (planes[c][i] > planes[best][i]) best = c;
      // shade from white (a coin toss between the classes) to the class colour (certain)
      const certainty = Math.max(0, (planes[best][i] / 255 - 1 / k) / (1 - 1 / k));
      const alpha = 0.15 + 0.55 * certainty;
      for (let ch = 0; ch < 3; ch++) image.data[4 * i + ch] = 255 * (1 - alpha) + COLOURS[best][ch] * alpha;
      image.data[4 * i + 3] = 255;
    }
    boundaryImage.getContext("2d").putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";  // 32² probabilities, drawn 420 px wide
    context.drawImage(boundaryImage, 0, 0, canvas.width, canvas.height);
  }
  document.body.dataset.points = state.points.length;
  document.body.dataset.classes = state.classes;
  for (const [x, y, label, test] of state.points) {
    const [px, py] = toPixel(x, y, canvas);
    context.beginPath();
    context.arc(px, py, 3.2, 0, 2 * Math.PI);
    context.fillStyle = test ? "#fff" : `rgb(${COLOURS[label]})`;
    context.strokeStyle = test ? `rgb(${COLOURS[label]})` : "#fff";
    context.lineWidth = test ? 2 : 0.8;
    context.fill();
    context.stroke();
  }
}

// click adds a point of the chosen class; a drag erases under the pointer
function setUpDrawing() {
  const canvas = $("boundary");
  let down = null, dragging = false, lastErase = 0;
  const position = (event) => {
    const rect = canvas.getBoundingClientRect();
    return [(event.clientX - rect.left) * (canvas.width / rect.width),
      (event.clientY - rect.top) * (canvas.height / rect.height)];
  };
  canvas.addEventListener("mousedown", (event) => { down = position(event); dragging = false; });
  canvas.addEventListener("mousemove", (event) => {
    if (!down) return;
    const [px, py] = position(event);
    if (Math.hypot(px - down[0], py - down[1]) > 5) dragging = true;
    if (dragging && performance.now() - lastErase > 40) {
      lastErase = performance.now();
      const [x, y] = toPlane(px, py, canvas);
      send({ type: "erase", x, y, radius: 0.12 });
    }
  });
  window.addEventListener("mouseup", (event) => {
    if (down && !dragging && event.target === canvas) {
      const [x, y] = toPlane(...position(event), canvas);
      send({ type: "add_point", x, y, label: state.chosenClass });
    }
    down = null;
  });
}

// ------------------------------------------------------------------ curves
function drawCurve(canvasId, trainKey, testKey) {
  const canvas = $(canvasId);
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const rows = state.history;
  const values = rows.flatMap((r) => [r[trainKey], r[testKey]]).filter((v) => v !== null && Number.isFinite(v));
  if (rows.length < 1 || !values.length) return;
  const low = Math.min(0, ...values), high = Math.max(...values, trainKey.includes("acc") ? 1 : 1e-9);
  const lastStep = Math.max(rows[rows.length - 1].step, 1), firstStep = rows[0].step;
  const pad = 30;
  const px = (step) => pad + ((step - firstStep) / Math.max(lastStep - firstStep, 1)) * (canvas.width - pad - 6);
  const py = (v) => canvas.height - 16 - ((v - low) / (high - low || 1)) * (canvas.height - 24);
  context.strokeStyle = "#ccc";
  context.strokeRect(pad, 6, canvas.width - pad - 6, canvas.height - 22);
  context.fillStyle = "#555";
  context.font = "10px sans-serif";
  context.fillText(high.toFixed(2), 2, 12);
  context.fillText(low.toFixed(2), 2, canvas.height - 16);
  context.fillText(`step ${lastStep}`, canvas.width - 60, canvas.height - 3);
  for (const [key, colour] of [[trainKey, "#2c3e50"], [testKey, "#e67e22"]]) {
    context.beginPath();
    context.strokeStyle = colour;
    context.lineWidth = 1.5;
    let started = false;
    for (const row of rows) {
      if (row[key] === null || !Number.isFinite(row[key])) continue;
      if (started) context.lineTo(px(row.step), py(row[key]));
      else { context.moveTo(px(row.step), py(row[key])); started = true; }
    }
    context.stroke();
  }
}

function drawCurves() {
  drawCurve("loss-curve", "train_loss", "test_loss");
  drawCurve("accuracy-curve", "train_accuracy", "test_accuracy");
}

// ------------------------------------------------------------------ network diagram
function unitPositions(canvas) {
  const widths = state.widths;
  const columns = widths.length;
  return widths.map((width, layer) => {
    const x = 30 + (layer * (canvas.width - 60)) / Math.max(columns - 1, 1);
    const step = Math.min(40, (canvas.height - 20) / width);
    const top = canvas.height / 2 - (step * (width - 1)) / 2;
    const size = Math.max(4, Math.min(26, step - 2));
    return Array.from({ length: width }, (_, unit) => ({ x, y: top + unit * step, size }));
  });
}

const heatmapScratch = document.createElement("canvas");  // reused: one small canvas for every unit's picture
function heatmapCanvas(base64, size, colour) {
  const values = decode(base64);
  const small = heatmapScratch;
  small.width = small.height = size;
  const image = small.getContext("2d").createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = values[i] / 255;
    for (let ch = 0; ch < 3; ch++) image.data[4 * i + ch] = 255 * (1 - v) + colour[ch] * v;
    image.data[4 * i + 3] = 255;
  }
  small.getContext("2d").putImageData(image, 0, 0);
  return small;
}

function drawNetwork() {
  const canvas = $("network");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const positions = unitPositions(canvas);
  let largest = 1e-9;
  for (const layer of state.weights) {
    for (const row of layer.kernel) for (const w of row) largest = Math.max(largest, Math.abs(w));
  }
  // Edges are grouped into 2 signs × 8 widths, one path each: thousands of edges stay cheap to draw.
  const WIDTHS = 8;
  const paths = Array.from({ length: 2 * WIDTHS }, () => new Path2D());
  state.weights.forEach((layer, index) => {
    layer.kernel.forEach((row, from) => row.forEach((weight, to) => {
      const a = positions[index][from], b = positions[index + 1][to];
      const bucket = Math.min(WIDTHS - 1, Math.floor((Math.abs(weight) / largest) * WIDTHS));
      const path = paths[(weight > 0 ? 0 : WIDTHS) + bucket];
      path.moveTo(a.x, a.y);
      path.lineTo(b.x, b.y);
    }));
  });
  paths.forEach((path, i) => {
    context.strokeStyle = i < WIDTHS ? "rgba(31,119,180,0.55)" : "rgba(230,126,34,0.55)";
    context.lineWidth = 0.2 + (3.5 * ((i % WIDTHS) + 0.5)) / WIDTHS;
    context.stroke(path);
  });
  positions.forEach((column, layer) => column.forEach((unit, index) => {
    const s = unit.size;
    const hidden = layer > 0 && layer < positions.length - 1;
    const heatmap = hidden && state.units[layer - 1] && state.units[layer - 1][index];
    if (heatmap) context.drawImage(heatmapCanvas(heatmap, 16, [40, 40, 40]), unit.x - s / 2, unit.y - s / 2, s, s);
    else {
      context.fillStyle = layer === 0 ? "#ddd" : "#bbb";
      context.fillRect(unit.x - s / 2, unit.y - s / 2, s, s);
    }
    context.strokeStyle = "#333";
    context.lineWidth = 0.6;
    context.strokeRect(unit.x - s / 2, unit.y - s / 2, s, s);
  }));
  context.fillStyle = "#333";
  context.font = "10px sans-serif";
  context.fillText("x1, x2", 8, canvas.height - 4);
}

function formula(layer, unit) {
  const weights = state.weights[layer - 1];
  if (!weights) return "";
  const names = layer === 1 ? ["x1", "x2"]
    : Array.from({ length: weights.kernel.length }, (_, i) => `h${layer - 1}.${i + 1}`);
  const terms = weights.kernel.map((row, i) => [row[unit], names[i]]);  // (a plain array: kernel is one)
  const shown = [...terms].sort((a, b) => Math.abs(b[0]) - Math.abs(a[0])).slice(0, 6);
  const sign = (w, first) => (first ? (w < 0 ? "−" : "") : (w < 0 ? " − " : " + "));
  let text = shown.map(([w, name], i) => `${sign(w, i === 0)}${Math.abs(w).toFixed(3)}·${name}`).join("");
  if (terms.length > shown.length) text += ` + … (${terms.length - shown.length} smaller terms)`;
  const b = weights.bias[unit];
  text += `${b < 0 ? " − " : " + "}${Math.abs(b).toFixed(3)}`;
  return `h${layer}.${unit + 1} = ${weights.activation}(${text})`;
}

function setUpNetworkHover() {
  const canvas = $("network"), tooltip = $("tooltip");
  canvas.addEventListener("mousemove", (event) => {
    const rect = canvas.getBoundingClientRect();
    const mx = (event.clientX - rect.left) * (canvas.width / rect.width);
    const my = (event.clientY - rect.top) * (canvas.height / rect.height);
    const positions = unitPositions(canvas);
    let found = null;
    positions.forEach((column, layer) => column.forEach((unit, index) => {
      const near = Math.abs(mx - unit.x) <= unit.size / 2 + 2 && Math.abs(my - unit.y) <= unit.size / 2 + 2;
      if (layer > 0 && near) found = [layer, index];
    }));
    if (!found) { tooltip.hidden = true; return; }
    const [layer, index] = found;
    const big = $("tooltip-canvas").getContext("2d");
    big.clearRect(0, 0, 128, 128);
    const heatmap = layer < positions.length - 1 && state.units[layer - 1] && state.units[layer - 1][index];
    if (heatmap) {
      big.imageSmoothingEnabled = false;
      big.drawImage(heatmapCanvas(heatmap, 16, [40, 40, 40]), 0, 0, 128, 128);
    }
    $("tooltip-canvas").hidden = !heatmap;
    const what = layer === positions.length - 1 ? "an output logit" : "its output over the plane, dark = high";
    $("tooltip-text").textContent = `${formula(layer, index)}\n(${what})`;
    tooltip.style.left = `${event.clientX + 14}px`;
    tooltip.style.top = `${Math.min(event.clientY + 14, window.innerHeight - 200)}px`;
    tooltip.hidden = false;
  });
  canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; });
}

// ------------------------------------------------------------------ computation graph
function graphNode(layerName) {
  const wanted = "layer_" + layerName.replace(/\W/g, "_");
  return [...document.querySelectorAll("#graph g.node")].find((g) => g.querySelector("title")?.textContent === wanted);
}

function colourGraph() {
  const stats = state.layerStats || [];
  const table = $("layer-stats");
  table.innerHTML = "<tr><th>layer</th><th>mean |grad W|</th><th>mean |activation|</th></tr>" +
    stats.map((s) => `<tr><td>${s.name}</td><td>${s.grad.toExponential(2)}</td>` +
      `<td>${s.activation.toFixed(3)}</td></tr>`).join("");
  const logs = stats.map((s) => Math.log10(Math.max(s.grad, 1e-12)));
  const low = Math.min(...logs), high = Math.max(...logs);
  stats.forEach((s, i) => {
    const node = graphNode(s.name);
    if (!node) return;
    const t = high > low ? (logs[i] - low) / (high - low) : 0.5;  // dark: vanishing gradient, bright: large
    const colour = `rgb(${Math.round(40 + 213 * t)}, ${Math.round(50 + 181 * t)}, ${Math.round(90 - 60 * t)})`;
    const shape = node.querySelector("polygon");
    if (shape) { shape.setAttribute("fill", colour); shape.setAttribute("fill-opacity", "0.55"); }
  });
}

// ------------------------------------------------------------------ backward view
function describeGrad(g) {
  if (!g) return "no gradient (a constant)";
  return `shape [${g.shape}]  mean ${g.mean.toExponential(2)}  mean|g| ${g.mean_abs.toExponential(2)}  ` +
    `min ${g.min.toExponential(2)}  max ${g.max.toExponential(2)}`;
}

function showBackwardStep() {
  document.querySelectorAll("#graph .current").forEach((g) => g.classList.remove("current"));
  if (!state.steps.length) return;
  const step = state.steps[state.stepIndex];
  $("backward-position").textContent = `step ${state.stepIndex + 1} of ${state.steps.length}`;
  document.body.dataset.backwardStep = state.stepIndex + 1;
  $("backward-step").textContent =
    `op ${step.op}   in ${step.layer}   makes ${step.output}\n` +
    `upstream dL/d(output): ${describeGrad(step.upstream)}\n` +
    step.outgoing.map((o) => `  → dL/d ${o.input}: ${describeGrad(o.grad)}`).join("\n");
  const node = graphNode(step.layer);
  if (node) node.classList.add("current");
}

// ------------------------------------------------------------------ CSV
function uploadCsv(file) {
  const reader = new FileReader();
  reader.onload = () => {
    const points = [];
    for (const [number, line] of reader.result.split(/\r?\n/).entries()) {
      if (!line.trim() || (number === 0 && /[a-df-z]/i.test(line))) continue;  // blank lines and a header
      const cells = line.split(",").map(Number);
      if (cells.length < 3 || cells.slice(0, 3).some((v) => !Number.isFinite(v))) {
        showError(`CSV line ${number + 1}: expected x,y,label numbers, got "${line.slice(0, 60)}"`);
        return;
      }
      points.push([cells[0], cells[1], Math.round(cells[2])]);
    }
    send({ type: "points", points, test_fraction: Number($("test-fraction").value) / 100,
      seed: Number($("data-seed").value) });
  };
  reader.readAsText(file);
}

// ------------------------------------------------------------------ wiring
function setUp() {
  for (const id of ["noise", "size", "test-fraction", "speed"]) {
    $(id).addEventListener("input", () => { $(`${id}-value`).textContent = $(id).value; });
  }
  for (const id of ["dataset", "classes", "noise", "size", "test-fraction", "data-seed"]) {
    $(id).addEventListener("change", () => {
      if (id === "dataset" && !["spirals", "blobs"].includes($("dataset").value)) $("classes").value = "2";
      sendData();
    });
  }
  for (const id of ["initializer", "optimizer", "lr", "batch-size", "l2", "model-seed", "output"]) {
    $(id).addEventListener("change", sendModel);
  }
  $("add-layer").onclick = () => {
    const rows = document.querySelectorAll("#layers .layer");
    if (state.limits && rows.length >= state.limits.max_hidden_layers) {
      showError(`at most ${state.limits.max_hidden_layers} hidden layers`);
      return;
    }
    addLayerRow({ units: 8, activation: "relu" });
    sendModel();
  };
  $("play").onclick = () => send({ type: state.playing ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("epoch").onclick = () => send({ type: "epoch" });
  $("reset").onclick = () => send({ type: "reset" });
  $("speed").addEventListener("change", () => send({ type: "speed", steps_per_update: Number($("speed").value) }));
  $("backward").onclick = () => send({ type: "backward" });
  $("backward-prev").onclick = () => { state.stepIndex = Math.max(0, state.stepIndex - 1); showBackwardStep(); };
  $("backward-next").onclick = () => {
    state.stepIndex = Math.min(state.steps.length - 1, state.stepIndex + 1);
    showBackwardStep();
  };
  document.querySelectorAll("[data-export]").forEach((button) => {
    button.onclick = () => send({ type: "export", format: button.dataset.export });
  });
  $("csv-download").onclick = () => send({ type: "export", format: "csv" });
  $("csv-upload").addEventListener("change", (event) => {
    if (event.target.files[0]) uploadCsv(event.target.files[0]);
    event.target.value = "";  // choosing the same file again is a new upload
  });
  setUpDrawing();
  setUpNetworkHover();
  connect();
}

setUp();
