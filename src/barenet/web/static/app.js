// The drawing pad and the requests: strokes from mouse, pen or touch (Pointer Events),
// Undo and Clear, and a prediction at the end of every stroke (and a throttled one
// while drawing). Answers are shown by view.js.
//
// For tests and tools, the DOM tells the state: #pad[data-strokes] counts the strokes,
// #pad[data-version] grows with every finished change, and #letter[data-version] is the
// version the shown prediction belongs to ("live" while a stroke is being drawn).
(() => {
  "use strict";

  const view = window.BarenetView;
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const undoButton = document.getElementById("undo");
  const clearButton = document.getElementById("clear");
  const statusLine = document.getElementById("status");

  const INK = "#111827";
  const PAPER = "#ffffff";
  const LINE_WIDTH = 0.075; // of the pad's width: strokes like a thick felt pen
  const LIVE_EVERY_MS = 250;

  const strokes = []; // finished strokes, each a list of [x, y] in canvas pixels
  let current = null; // the stroke being drawn, or null
  let pointerId = null; // the pointer drawing it
  let version = 0; // bumped by every finished change: stroke end, undo, clear
  let lastRequest = 0; // id of the latest request sent
  let lastShown = 0; // id of the latest request shown or cancelled; older answers are dropped
  let lastLive = 0;
  let liveBusy = false;

  // -- painting -----------------------------------------------------------------------
  function clearPad() {
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, pad.width, pad.height);
  }

  function setPen() {
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = LINE_WIDTH * pad.width;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  function segment(from, to) {
    setPen();
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  }

  function dot(p) {
    setPen();
    ctx.beginPath();
    ctx.arc(p[0], p[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
  }

  function paintStroke(points) {
    dot(points[0]);
    for (let i = 1; i < points.length; i++) segment(points[i - 1], points[i]);
  }

  function repaint() {
    clearPad();
    strokes.forEach(paintStroke);
  }

  // -- pointer input --------------------------------------------------------------------
  function toCanvas(event) {
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * (pad.width / box.width),
      (event.clientY - box.top) * (pad.height / box.height)];
  }

  function onDown(event) {
    if (current !== null || !event.isPrimary || event.button > 0) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    pointerId = event.pointerId;
    current = [toCanvas(event)];
    dot(current[0]);
  }

  function onMove(event) {
    if (current === null || event.pointerId !== pointerId) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const p = toCanvas(e);
      segment(current[current.length - 1], p);
      current.push(p);
    }
    maybeLive();
  }

  function onUp(event) {
    if (current === null || event.pointerId !== pointerId) return;
    strokes.push(current);
    current = null;
    pointerId = null;
    changed();
  }

  // -- changes ----------------------------------------------------------------------------
  function changed() {
    version += 1;
    pad.dataset.version = String(version);
    pad.dataset.strokes = String(strokes.length);
    undoButton.disabled = clearButton.disabled = strokes.length === 0;
    if (strokes.length === 0) {
      lastShown = lastRequest; // answers still on their way are for a drawing that is gone
      view.reset("");
      say("Draw with a mouse, a pen or a finger.");
    } else {
      predict(String(version));
    }
  }

  function undo() {
    if (current !== null || strokes.length === 0) return;
    strokes.pop();
    repaint();
    changed();
  }

  function clear() {
    if (current !== null || strokes.length === 0) return;
    strokes.length = 0;
    repaint();
    changed();
  }

  // -- requests ---------------------------------------------------------------------------
  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function maybeLive() {
    const now = performance.now();
    if (liveBusy || now - lastLive < LIVE_EVERY_MS || current.length < 4) return;
    lastLive = now;
    liveBusy = true;
    predict("live").finally(() => { liveBusy = false; });
  }

  async function predict(tag) {
    const id = ++lastRequest;
    const body = JSON.stringify({ image: pad.toDataURL("image/png") });
    let response;
    let answer;
    try {
      response = await fetch("api/predict", {
        method: "POST", headers: { "Content-Type": "application/json" }, body,
      });
      answer = await response.json();
    } catch (err) {
      if (id > lastShown) say(`The server did not answer (${err.message}). Is barenet serve running?`, true);
      return;
    }
    if (id <= lastShown) return; // a newer answer is already shown, or the pad was cleared
    lastShown = id;
    if (!response.ok) {
      say(answer.error || `The server answered ${response.status}.`, true);
      return;
    }
    view.showPrediction(answer, tag);
    say(`${strokes.length} stroke${strokes.length === 1 ? "" : "s"}. Undo, or add another.`);
  }

  async function loadModel() {
    try {
      const response = await fetch("api/model");
      view.showModel(await response.json());
    } catch (err) {
      say(`Could not load the model description (${err.message}).`, true);
    }
  }

  // -- wiring -----------------------------------------------------------------------------
  function onKey(event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
    } else if (event.key === "Escape") {
      clear();
    }
  }

  pad.addEventListener("pointerdown", onDown);
  pad.addEventListener("pointermove", onMove);
  pad.addEventListener("pointerup", onUp);
  pad.addEventListener("pointercancel", onUp);
  undoButton.addEventListener("click", undo);
  clearButton.addEventListener("click", clear);
  document.addEventListener("keydown", onKey);

  clearPad();
  view.reset("");
  loadModel();
})();
