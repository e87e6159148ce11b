// Rendering of the server's answers: the predicted letter, one bar per class, the
// picture the network sees, the conv feature maps and a per-layer table.
// Exposes window.BarenetView; app.js does the drawing and the requests.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(p) {
    return p >= 0.995 ? "100%" : p < 0.001 ? "<0.1%" : (100 * p).toFixed(p < 0.1 ? 1 : 0) + "%";
  }

  // -- the model ------------------------------------------------------------------
  function showModel(model) {
    const conv = model.layers.filter((l) => l.name.startsWith("Conv2D")).length;
    const t = model.training || {};
    const trained = t.dataset ? ` · trained on ${t.dataset} for ${model.epoch} epochs` : "";
    $("model-info").textContent =
      `${model.name}: ${model.layers.length} layers (${conv} convolutions), ` +
      `${model.parameters.toLocaleString("en")} parameters, input ${model.input_shape.slice(1).join("×")}` +
      `, ${model.classes.length} classes${trained}`;
    if ($("bars").children.length !== model.classes.length) buildBars(model.classes);
  }

  function buildBars(classes) {
    const bars = $("bars");
    bars.replaceChildren();
    for (const name of classes) {
      const bar = el("div", "bar");
      bar.dataset.class = name;
      bar.dataset.probability = "0";
      const track = el("div", "track");
      track.append(el("div", "fill"));
      bar.append(track, el("span", "name", name));
      bars.append(bar);
    }
  }

  // -- a prediction ---------------------------------------------------------------
  function showPrediction(answer, version) {
    const letter = $("letter");
    letter.textContent = answer.class;
    letter.dataset.letter = answer.class;
    letter.dataset.version = String(version);
    letter.classList.remove("empty");
    showBars(answer.classes, answer.probabilities, answer.index);
    showVerdict(answer.classes, answer.probabilities);
    showMaps(answer.input, answer.layers);
    showLayers(answer.layers);
  }

  function showBars(classes, probabilities, best) {
    const bars = $("bars").children;
    if (bars.length !== classes.length) buildBars(classes);
    classes.forEach((name, i) => {
      const bar = bars[i];
      const p = probabilities[i];
      bar.dataset.probability = String(p);
      bar.title = `${name}: ${percent(p)}`;
      bar.classList.toggle("best", i === best);
      bar.querySelector(".fill").style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
    });
  }

  function showVerdict(classes, probabilities) {
    const order = classes.map((_, i) => i).sort((a, b) => probabilities[b] - probabilities[a]);
    $("confidence").textContent = `${percent(probabilities[order[0]])} sure`;
    const list = $("runners-up");
    list.replaceChildren();
    for (const i of order.slice(1, 4)) {
      list.append(el("li", "", `${classes[i]} ${percent(probabilities[i])}`));
    }
  }

  function reset(message) {
    const letter = $("letter");
    letter.textContent = "?";
    letter.dataset.letter = "";
    letter.dataset.version = "-1";
    letter.classList.add("empty");
    $("confidence").textContent = message || "";
    $("runners-up").replaceChildren();
    for (const bar of $("bars").children) {
      bar.dataset.probability = "0";
      bar.classList.remove("best");
      bar.querySelector(".fill").style.height = "0";
    }
    $("maps").replaceChildren();
    $("layers").tBodies[0].replaceChildren();
  }

  // -- inside the network -----------------------------------------------------------
  // Paint a 2-D array into a canvas at its own resolution; CSS scales it up, pixelated.
  function paint(canvas, grid, lo, hi) {
    const h = grid.length;
    const w = grid[0].length;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(w, h);
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = Math.round((grid[y][x] - lo) * scale);
        const k = 4 * (y * w + x);
        image.data[k] = image.data[k + 1] = image.data[k + 2] = v;
        image.data[k + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  function mapGroup(title, detail, grids, lo, hi, className) {
    const group = el("figure", `group ${className}`);
    const caption = el("figcaption");
    caption.append(el("strong", "", title), el("span", "muted", ` ${detail}`));
    const grid = el("div", "grid");
    grid.style.setProperty("--columns", String(Math.min(8, grids.length)));
    grids.forEach((g, i) => {
      const canvas = el("canvas", "map");
      canvas.title = `${title}, map ${i + 1}`;
      paint(canvas, g, lo, hi);
      grid.append(canvas);
    });
    group.append(caption, grid);
    return group;
  }

  function showMaps(input, layers) {
    const groups = [mapGroup("Input", `${input.length}×${input[0].length}`, [input], 0, 1, "input")];
    for (const layer of layers) {
      if (!layer.maps) continue;
      const [c, h, w] = layer.shape;
      // From 0 up: what the ReLU after the convolution lets through; negatives are black.
      groups.push(mapGroup(layer.name, `${c} maps, ${h}×${w}`, layer.maps, 0, layer.max, "conv"));
    }
    $("maps").replaceChildren(...groups);
  }

  function showLayers(layers) {
    const rows = layers.map((layer) => {
      const row = el("tr");
      row.dataset.layer = layer.name;
      const cells = [layer.name, layer.shape.join("×"), layer.mean.toFixed(3), layer.max.toFixed(3),
        `${(100 * layer.active).toFixed(0)}%`];
      cells.forEach((text) => row.append(el("td", "", text)));
      return row;
    });
    $("layers").tBodies[0].replaceChildren(...rows);
  }

  window.BarenetView = { showModel, showPrediction, reset };
})();
